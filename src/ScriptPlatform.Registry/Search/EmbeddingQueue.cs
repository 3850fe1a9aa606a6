using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Embedding off the publish path: a publish commits without a vector and enqueues its script; this
/// service drains the queue in batches (one model call for everything waiting), writes the vectors
/// and applies them to the vector store. Nothing is lost when this process dies after a commit or a
/// batch fails: the script simply has no vector, and the sweep every <see cref="SweepInterval"/>
/// (any replica) or the next start-up backfill embeds it.
/// </summary>
public sealed partial class EmbeddingQueue(ScriptEmbedder embedder, VectorStoreSynchronizer vectors, ILogger<EmbeddingQueue> logger) : BackgroundService
{
    private readonly Channel<long> _queue = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });
    private long _pending;

    /// <summary>How often scripts left without a vector (another replica died after its commit) are looked for.</summary>
    public static TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Scripts enqueued and not yet embedded (or given up on until the sweep).</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Called after a publish commits a script whose text has no vector yet.</summary>
    public void Enqueue(long scriptId)
    {
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(scriptId))
        {
            // Only after shutdown: the start-up backfill embeds it.
            Interlocked.Decrement(ref _pending);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextSweep = DateTime.UtcNow + SweepInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = new List<long>();
            try
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(nextSweep - DateTime.UtcNow is { Ticks: > 0 } left ? left : TimeSpan.Zero);
                try
                {
                    batch.Add(await _queue.Reader.ReadAsync(wait.Token));
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // Time to sweep.
                }

                while (batch.Count < ScriptEmbedder.Batch && _queue.Reader.TryRead(out var more))
                {
                    batch.Add(more);
                }

                var sweep = DateTime.UtcNow >= nextSweep;
                if (sweep)
                {
                    nextSweep = DateTime.UtcNow + SweepInterval;
                }

                var written = await embedder.EmbedMissingAsync(sweep ? null : batch.Distinct().ToList(), stoppingToken);
                await vectors.RefreshAsync(written, stoppingToken);
                if (sweep && written.Count > 0)
                {
                    LogSwept(logger, written.Count);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Any failure (database, model, endpoint): the scripts keep no vector and the sweep
                // retries them. This loop must outlive it, since the sweep runs in it too.
                LogFailed(logger, batch.Count, e);
            }
            finally
            {
                Interlocked.Add(ref _pending, -batch.Count);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded {Count} scripts that had no vector (left by a failed or interrupted publish).")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding {Count} published scripts failed; the sweep retries them.")]
    private static partial void LogFailed(ILogger logger, int count, Exception exception);
}
