using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;

namespace ScriptPlatform.Embeddings;

/// <summary>
/// Runs an in-process generator's work on dedicated threads at a low OS priority (nice 10), one per core, each taking a
/// share of a call's texts. For work nobody waits on (embedding what was just published): on a small machine the model
/// costs ~10 CPU-ms per script, so a burst of publishes embedded at normal priority took the CPU its own requests needed
/// (2 cores: 222 publishes/s, the rest of the time in the model). At nice 10 the scheduler gives requests the CPU first,
/// the embedding catches up in the gaps, and on an idle machine it still runs on every core.
/// </summary>
/// <remarks>
/// The inner generator must do its work on the calling thread (ONNX Runtime with one intra-op thread, see
/// <see cref="MiniLmOptions.IntraOpThreads"/>): a pool thread of its own would run at normal priority.
/// </remarks>
public sealed partial class BackgroundEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The nice value of the threads: well below requests (weight 110 against 1024), never starved.</summary>
    public const int Niceness = 10;

    // Fewer texts than this per thread are not worth splitting a call for.
    private const int MinTextsPerThread = 8;

    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread[] _threads;

    public BackgroundEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, int threads = 0)
        : base(inner)
    {
        _threads = new Thread[threads > 0 ? threads : Environment.ProcessorCount];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"background embedding {i}" };
            _threads[i].Start();
        }
    }

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var parts = Math.Clamp(texts.Count / MinTextsPerThread, 1, _threads.Length);
        var size = (texts.Count + parts - 1) / parts;
        var shares = Enumerable.Range(0, parts).Select(p => texts.Skip(p * size).Take(size).ToList()).Where(s => s.Count > 0)
            .Select(share => RunOnWorkerAsync(share, options, cancellationToken)).ToList();
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count);
        foreach (var share in await Task.WhenAll(shares).ConfigureAwait(false))
        {
            result.AddRange(share);
        }

        return result;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_work.IsAddingCompleted)
        {
            _work.CompleteAdding();
            foreach (var thread in _threads)
            {
                thread.Join();
            }

            _work.Dispose();
        }

        base.Dispose(disposing);
    }

    private Task<GeneratedEmbeddings<Embedding<float>>> RunOnWorkerAsync(List<string> texts, EmbeddingGenerationOptions? options, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<GeneratedEmbeddings<Embedding<float>>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Synchronous on this thread by design (see the remarks): the model runs at this thread's priority.
                done.TrySetResult(InnerGenerator.GenerateAsync(texts, options, cancellationToken).GetAwaiter().GetResult());
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }, cancellationToken);
        return done.Task;
    }

    private void Loop()
    {
        LowerPriority();
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }

    // Linux gives each thread its own nice value (setpriority on the thread id); .NET's Thread.Priority is ignored there.
    private static void LowerPriority()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = SetPriority(0, GetThreadId(), Niceness); // PRIO_PROCESS: a thread id names one thread; failing leaves it at normal priority
        }
    }

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();
}
