using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Keeps the vector store equal to the vectors of record in Postgres. At start: embeds scripts that
/// have no vector for the current model and text recipe (first start, a change of either, or a
/// publish whose embedding this or another process did not finish: see <see cref="EmbeddingQueue"/>), then
/// re-syncs the store (every point upserted with its payload, points Postgres no longer has
/// deleted). Then it follows the revision counter (upserts) and tombstones (deletions), so writes
/// of other replicas show up within a poll interval. A write of this replica is applied at once
/// (<see cref="RefreshAsync"/>). Every poll also asks an external store whether it is intact
/// (<see cref="IVectorStore.IsIntactAsync"/>), so an outage or a Qdrant restarted empty is noticed even
/// when nothing is written. When the store cannot be reached (Qdrant down) or has lost its collection,
/// the next poll re-creates it and re-syncs everything: the store recovers by itself, and readiness
/// says not ready meanwhile.
/// </summary>
public sealed partial class VectorStoreSynchronizer(NpgsqlDataSource dataSource, SemanticIndex semantic, ScriptEmbedder embedder, ILogger<VectorStoreSynchronizer> logger)
    : IHostedService, IHealthCheck, IDisposable
{
    /// <summary>Points per upsert while re-syncing.</summary>
    private const int SyncBatch = 512;

    /// <summary>
    /// Revisions are drawn before commit, so a lower one can become visible after a higher one was
    /// read. An in-process store re-reads this many revisions below its watermark on every poll
    /// (an idempotent upsert), so such a late commit is not skipped.
    /// </summary>
    private const int InProcessOverlap = 256;

    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _needsFullSync = true;
    private volatile string? _lastError;
    private long _revision;
    private Task? _poll;

    /// <summary>Failures so far: a full sync clears <see cref="_needsFullSync"/> only if none came while it ran.</summary>
    private int _failures;

    public static TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    private IVectorStore Store => semantic.Store;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var backfilled = await embedder.EmbedMissingAsync(null, cancellationToken);
        if (backfilled.Count > 0)
        {
            LogBackfilled(logger, backfilled.Count, semantic.ModelId);
        }

        try
        {
            await FullSyncAsync(cancellationToken);
        }
        catch (VectorStoreUnavailableException e) when (!Store.IsInProcess)
        {
            // Start anyway: readiness reports the store, searches answer UNAVAILABLE, the poll retries.
            Fail(e);
        }

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

    public void Dispose()
    {
        _stopping.Dispose();
        _gate.Dispose();
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_needsFullSync
            ? HealthCheckResult.Unhealthy($"vector store {Store.Name} is not in sync: {_lastError ?? "starting"}")
            : HealthCheckResult.Healthy($"vector store {Store.Name}"));

    /// <summary>Applies one script's committed state (upsert, or delete when it is gone) to the store now.</summary>
    public async Task RefreshAsync(long scriptId, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var points = await ReadPointsAsync(connection, "e.script_id = @id", new { id = scriptId, model = semantic.ModelId }, cancellationToken);
            if (points.Count == 0)
            {
                await Store.DeleteAsync([scriptId], cancellationToken);
            }
            else
            {
                await Store.UpsertAsync(points.Select(p => p.Point).ToList(), cancellationToken);
            }
        }
        catch (VectorStoreUnavailableException e)
        {
            // The write is committed; the next poll re-syncs the store once it answers.
            Fail(e);
        }
    }

    /// <summary>Applies the committed vectors of these scripts to the store now (the embedding queue's writes).</summary>
    public async Task RefreshAsync(IReadOnlyList<long> scriptIds, CancellationToken cancellationToken)
    {
        if (scriptIds.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var points = await ReadPointsAsync(connection, "e.script_id = ANY(@ids)", new { ids = scriptIds.ToArray(), model = semantic.ModelId }, cancellationToken);
            await Store.UpsertAsync(points.Select(p => p.Point).ToList(), cancellationToken);
        }
        catch (VectorStoreUnavailableException e)
        {
            Fail(e);
        }
    }

    private void Fail(Exception e)
    {
        MarkOutOfSync(e.Message);
        LogStoreFailed(logger, Store.Name, e);
    }

    private void MarkOutOfSync(string why)
    {
        Interlocked.Increment(ref _failures);
        _needsFullSync = true;
        _lastError = why;
    }

    private async Task FullSyncAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // A write that failed while this ran (the store went down again) leaves the store out of sync.
            var failuresBefore = Volatile.Read(ref _failures);
            await Store.EnsureCreatedAsync(cancellationToken);
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            // The watermark first: anything committed while this runs is applied by the next poll.
            var watermark = await connection.ExecuteScalarAsync<long>(
                "SELECT GREATEST((SELECT coalesce(max(revision), 0) FROM script_embeddings), (SELECT coalesce(max(revision), 0) FROM vector_tombstones))");
            var present = new HashSet<long>();
            var lastId = 0L;
            while (true)
            {
                var batch = await ReadPointsAsync(connection, "e.script_id > @lastId ORDER BY e.script_id LIMIT @limit", new { lastId, limit = SyncBatch, model = semantic.ModelId }, cancellationToken);
                if (batch.Count == 0)
                {
                    break;
                }

                await Store.UpsertAsync(batch.Select(b => b.Point).ToList(), cancellationToken);
                present.UnionWith(batch.Select(b => b.Point.ScriptId));
                lastId = batch[^1].Point.ScriptId;
            }

            var stale = (await Store.ListIdsAsync(cancellationToken)).Where(id => !present.Contains(id)).ToList();
            await Store.DeleteAsync(stale, cancellationToken);
            _revision = watermark;
            if (Volatile.Read(ref _failures) == failuresBefore)
            {
                _needsFullSync = false;
                _lastError = null;
            }

            if (present.Count > 10_000 && Store.IsInProcess)
            {
                // Reading every vector left one float[] of garbage per script; compact once now rather
                // than pause a search later.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            }

            LogSynced(logger, present.Count, stale.Count, Store.Name, semantic.ModelId);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies every change after the watermark; returns how many points changed.</summary>
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var since = Store.IsInProcess ? Math.Max(0, _revision - InProcessOverlap) : _revision;
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var points = await ReadPointsAsync(connection, "e.revision > @since ORDER BY e.revision", new { since, model = semantic.ModelId }, cancellationToken);
            var tombstones = (await connection.QueryAsync<(long ScriptId, long Revision)>(
                "SELECT script_id, revision FROM vector_tombstones WHERE revision > @since ORDER BY revision", new { since })).ToList();
            await Store.UpsertAsync(points.Select(p => p.Point).ToList(), cancellationToken);
            await Store.DeleteAsync(tombstones.Select(t => t.ScriptId).ToList(), cancellationToken);
            _revision = Math.Max(_revision, Math.Max(points.Count == 0 ? 0 : points.Max(p => p.Revision), tombstones.Count == 0 ? 0 : tombstones.Max(t => t.Revision)));
            return points.Count + tombstones.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<List<(VectorPoint Point, long Revision)>> ReadPointsAsync(NpgsqlConnection connection, string where, object parameters, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(long Id, float[] Vector, long Revision, string Category, string[] Tags, bool Deprecated, string[] Agents)>(
            new CommandDefinition(
                $"""
                SELECT e.script_id, e.vector, e.revision, s.category, s.tags, s.deprecated,
                       ARRAY(SELECT a.agent_id FROM agent_tools a WHERE a.script_id = s.id ORDER BY a.agent_id)
                FROM script_embeddings e JOIN scripts s ON s.id = e.script_id
                WHERE e.model = @model AND {where}
                """, parameters, cancellationToken: cancellationToken));
        return rows.Where(r => r.Vector.Length == Store.Dimensions)
            .Select(r => (new VectorPoint(r.Id, r.Vector, r.Category, r.Tags, r.Deprecated, r.Agents), r.Revision)).ToList();
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(PollInterval, cancellationToken);
                if (!_needsFullSync && !Store.IsInProcess && !await Store.IsIntactAsync(cancellationToken))
                {
                    // Qdrant restarted without its storage: nothing failed yet, but every search would.
                    MarkOutOfSync($"vector store {Store.Name} lost its collection");
                    LogStoreLost(logger, Store.Name);
                }

                if (_needsFullSync)
                {
                    await FullSyncAsync(cancellationToken);
                }
                else
                {
                    await CatchUpAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (VectorStoreUnavailableException e)
            {
                Fail(e);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogPollFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Vector store {Store}: {Count} vectors of {Model} in sync, {Stale} stale points deleted.")]
    private static partial void LogSynced(ILogger logger, int count, int stale, string store, string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded {Count} scripts that had no {Model} vector.")]
    private static partial void LogBackfilled(ILogger logger, int count, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Vector store {Store} unavailable; it is re-synced when it answers.")]
    private static partial void LogStoreFailed(ILogger logger, string store, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Vector store {Store} lost its collection (restarted empty?); re-creating it and re-syncing every vector.")]
    private static partial void LogStoreLost(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Vector store poll failed; retrying.")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
