using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Keeps the in-process vector index equal to the vectors of record in Postgres: loads them all at
/// start-up (before the server accepts calls), embeds scripts that have no vector for the current
/// model (first start, or a change of embedding provider), then follows the revision counter so
/// writes made by other replicas show up within a poll interval.
/// </summary>
public sealed partial class VectorIndexSynchronizer(NpgsqlDataSource dataSource, SemanticIndex semantic, ILogger<VectorIndexSynchronizer> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private long _revision;
    private Task? _poll;

    public static TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await BackfillAsync(cancellationToken);
        var loaded = await LoadSinceAsync(0, cancellationToken);
        if (loaded > 10_000)
        {
            // Reading every vector left one float[] of garbage per script; compact once now rather
            // than pause a search later.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        LogLoaded(logger, loaded, semantic.ModelId, semantic.Index.MemoryBytes / (1024 * 1024));
        _poll = Task.Run(() => PollAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_poll is not null)
        {
            await _poll.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>Reads every vector changed after <paramref name="since"/> into the index; returns how many.</summary>
    public async Task<int> LoadSinceAsync(long since, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT e.script_id, e.vector, e.revision, s.category, s.deprecated
            FROM script_embeddings e JOIN scripts s ON s.id = e.script_id
            WHERE e.revision > @since AND e.model = @model ORDER BY e.revision
            """, connection);
        command.Parameters.AddWithValue("since", since);
        command.Parameters.AddWithValue("model", semantic.ModelId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var count = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var vector = reader.GetFieldValue<float[]>(1);
            if (vector.Length == semantic.Index.Dimensions)
            {
                semantic.Index.Upsert(reader.GetInt64(0), vector, reader.GetString(3), reader.GetBoolean(4));
                count++;
            }

            _revision = Math.Max(_revision, reader.GetInt64(2));
        }

        return count;
    }

    private async Task BackfillAsync(CancellationToken cancellationToken)
    {
        const int batch = 256;
        var total = 0;
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var rows = (await connection.QueryAsync<(long Id, string Name, string Description, string Summary)>(
                """
                SELECT s.id, s.name, s.description, s.summary FROM scripts s
                LEFT JOIN script_embeddings e ON e.script_id = s.id AND e.model = @model
                WHERE e.script_id IS NULL ORDER BY s.id LIMIT @batch
                """, new { model = semantic.ModelId, batch })).ToList();
            if (rows.Count == 0)
            {
                break;
            }

            var vectors = await semantic.EmbedManyAsync(rows.Select(r => SemanticIndex.TextOf(r.Name, r.Description, r.Summary)).ToList(), cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            for (var i = 0; i < rows.Count; i++)
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO script_embeddings (script_id, model, vector) VALUES (@id, @model, @vector)
                    ON CONFLICT (script_id) DO UPDATE SET model = excluded.model, vector = excluded.vector, revision = nextval('embedding_revision')
                    """, new { id = rows[i].Id, model = semantic.ModelId, vector = vectors[i] }, tx);
            }

            await tx.CommitAsync(cancellationToken);
            total += rows.Count;
        }

        if (total > 0)
        {
            LogBackfilled(logger, total, semantic.ModelId);
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(PollInterval, cancellationToken);
                await LoadSinceAsync(_revision, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogPollFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Vector index: {Count} vectors of {Model} loaded ({MegaBytes} MiB).")]
    private static partial void LogLoaded(ILogger logger, int count, string model, long megaBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded {Count} scripts that had no {Model} vector.")]
    private static partial void LogBackfilled(ILogger logger, int count, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Vector index poll failed; retrying.")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
