using System.Text.Json;
using Npgsql;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Persistence;

namespace ScriptPlatform.Executor.Infrastructure;

/// <summary>One pending event of the outbox: its kind, its JSON payload and how many publishes of it failed.</summary>
public sealed record OutboxEvent(long Id, string Kind, string Payload, int Attempts);

/// <summary>An event whose publish failed this round, and why.</summary>
public sealed record FailedEvent(long Id, string Error);

/// <summary>
/// The transactional outbox (table <c>event_outbox</c>). Every statement that ends executions inserts their
/// events through <see cref="EnqueueSql"/> in the same statement, so an outcome is never committed without its
/// announcement; <see cref="OutboxDispatcher"/> leases the rows, publishes them and deletes them.
/// </summary>
public sealed class EventOutbox(NpgsqlDataSource dataSource)
{
    public const string RunCompleted = "run_completed";
    public const string BatchCompleted = "batch_completed";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Postgres writes a non-finite double as a quoted "NaN" / "Infinity"; such a cost must not block the outbox.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// The INSERT (for a data-modifying CTE) of a run_completed event per row of <paramref name="endedRuns"/> (executions
    /// columns, as the ending UPDATE returned them) and a batch_completed event per row of <paramref name="finishedBatches"/>
    /// (a column <c>id</c>). The run's payload is built from the committed row, so it holds everything the message needs
    /// whichever process publishes it; a batch's counts are read at publish time, once every job's status is visible.
    /// </summary>
    public static string EnqueueSql(string endedRuns, string? finishedBatches = null) => $"""
        INSERT INTO event_outbox (kind, payload)
        SELECT '{RunCompleted}', json_build_object(
            'execution_id', id, 'batch_id', batch_id, 'script_name', script_name, 'version', version, 'content_hash', content_hash,
            'status', status, 'duration_ms', duration_ms, 'cost_usd', cost_usd, 'rows_processed', rows_processed, 'caller', caller,
            'finished_at', finished_at)::text
        FROM {endedRuns}
        {(finishedBatches is null ? "" : $"UNION ALL SELECT '{BatchCompleted}', json_build_object('batch_id', id)::text FROM {finishedBatches}")}
        """;

    /// <summary>The <see cref="ScriptRunCompleted"/> of a run_completed payload.</summary>
    public static ScriptRunCompleted ReadRunCompleted(string payload) => Read<RunPayload>(payload).ToMessage();

    /// <summary>The batch of a batch_completed payload.</summary>
    public static Guid ReadBatchId(string payload) => Read<BatchPayload>(payload).BatchId;

    /// <summary>
    /// Locks up to <paramref name="limit"/> pending events, oldest first, in a transaction that lasts until the lease
    /// is acknowledged or disposed. Rows another dispatcher holds are skipped, so several processes share the work;
    /// rows that failed <paramref name="maxAttempts"/> times are parked (skipped for good).
    /// </summary>
    public async Task<OutboxLease> LeaseAsync(int limit, int maxAttempts, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT id, kind, payload, attempts FROM event_outbox WHERE attempts < @max ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED",
                connection, transaction);
            command.With("limit", limit).With("max", maxAttempts);
            var events = new List<OutboxEvent>();
            await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    events.Add(new OutboxEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
                }
            }

            return new OutboxLease(connection, transaction, events);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static T Read<T>(string payload) => JsonSerializer.Deserialize<T>(payload, Json) ?? throw new JsonException("the payload is null");

    private sealed record RunPayload(
        Guid ExecutionId, Guid? BatchId, string ScriptName, string Version, string ContentHash, short Status, double DurationMs, double CostUsd,
        long RowsProcessed, string Caller, DateTimeOffset FinishedAt)
    {
        // The message's optional fields are null where the log stores an empty value (inline scripts have no version).
        public ScriptRunCompleted ToMessage() => new(
            ExecutionId, BatchId, ScriptName, Version.Length == 0 ? null : Version, ContentHash, (ExecutionStatus)Status, TimeSpan.FromMilliseconds(DurationMs),
            CostUsd, RowsProcessed == 0 ? null : RowsProcessed, Caller.Length == 0 ? null : Caller, FinishedAt);
    }

    private sealed record BatchPayload(Guid BatchId);
}

/// <summary>
/// Pending events locked by one dispatcher; <see cref="AcknowledgeAsync"/> settles them, disposing without it leaves
/// them pending as they were.
/// </summary>
public sealed class OutboxLease(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<OutboxEvent> events) : IAsyncDisposable
{
    public IReadOnlyList<OutboxEvent> Events => events;

    /// <summary>Deletes the events that are <paramref name="done"/> (published or dropped), counts a failure on the others, and commits.</summary>
    public async Task AcknowledgeAsync(IReadOnlyCollection<long> done, IReadOnlyCollection<FailedEvent> failed, CancellationToken ct)
    {
        await using (var delete = new NpgsqlCommand("DELETE FROM event_outbox WHERE id = ANY(@ids)", connection, transaction))
        {
            delete.With("ids", done.ToArray());
            await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        if (failed.Count > 0)
        {
            await using var count = new NpgsqlCommand("""
                UPDATE event_outbox o SET attempts = o.attempts + 1, last_error = f.error
                FROM unnest(@ids, @errors) AS f(id, error) WHERE o.id = f.id
                """, connection, transaction);
            count.With("ids", failed.Select(f => f.Id).ToArray()).With("errors", failed.Select(f => f.Error).ToArray());
            await count.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync().ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }
}
