using Google.Protobuf.WellKnownTypes;
using Npgsql;
using NpgsqlTypes;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Persistence;

namespace ScriptPlatform.Executor.Infrastructure;

/// <summary>A job as first written to the log (queued or about to run).</summary>
public sealed record NewExecution(
    Guid Id, string ScriptName, string? Version, string ContentHash, Guid? BatchId, int BatchIndex, string ParamsJson, string Caller);

/// <summary>How a run ended, as written once to the log.</summary>
public sealed record Completion(
    ExecutionStatus Status,
    string DataJson = "",
    string MetadataJson = "",
    string ErrorType = "",
    string ErrorMessage = "",
    string Traceback = "",
    string Stdout = "",
    string Stderr = "",
    bool OutputTruncated = false,
    double DurationMs = 0,
    double CostUsd = 0,
    long RowsProcessed = 0,
    int ExitCode = 0,
    KillReason KillReason = KillReason.Unspecified,
    string ExitReason = "");

/// <summary>A new batch row; <paramref name="InlineContents"/> maps content hash → source of its inline scripts.</summary>
public sealed record NewBatch(
    Guid Id, string Label, string Caller, int Total, double? BudgetUsd, double EstimatedCostUsd, string? LimitsJson = null,
    IReadOnlyDictionary<string, string>? InlineContents = null);

/// <summary>A queued job of an undispatched batch, with what its RunScript message needs.</summary>
public sealed record QueuedJob(
    Guid Id, Guid BatchId, int BatchIndex, string ScriptName, string? Version, string ContentHash, string ParamsJson, string Caller,
    string? InlineContent, string? LimitsJson);

/// <summary>What a worker found when it tried to start a job.</summary>
public enum ClaimResult
{
    /// <summary>The job is this worker's to run now.</summary>
    Claimed,

    /// <summary>Already finished (or cancelled), or running on a live worker: nothing to do.</summary>
    AlreadyHandled,

    /// <summary>No such execution: the message is poison.</summary>
    Missing,
}

/// <summary>Filters for <see cref="ExecutionStore.ListAsync"/>.</summary>
public sealed record ExecutionFilter(
    string? ScriptName = null, IReadOnlyList<ExecutionStatus>? Statuses = null, Guid? BatchId = null, string? Caller = null,
    DateTimeOffset? CreatedAfter = null, DateTimeOffset? CreatedBefore = null);

/// <summary>The execution log in Postgres. Every status change is a single conditional statement, so that
/// a redelivered or concurrently cancelled job is recorded exactly once; a statement that ends runs also writes
/// their events to the <see cref="EventOutbox"/> and, once committed, nudges this process's dispatcher.</summary>
public sealed class ExecutionStore(NpgsqlDataSource dataSource, OutboxSignal outbox)
{
    private const string Columns = """
        id, script_name, version, content_hash, batch_id, batch_index, params, status, data_json, metadata_json,
        error_type, error_message, traceback, stdout_tail, stderr_tail, output_truncated, duration_ms, cost_usd,
        rows_processed, caller, created_at, started_at, finished_at, exit_code, kill_reason, exit_reason, worker_id
        """;

    private const string Unfinished = "(7, 8)";

    // Ends a running (or queued) job, counts it off its batch and queues its events, atomically; the batch is
    // finished (and announced) by the statement that brings its remaining count to zero.
    private static readonly string CompleteSql = $"""
        WITH done AS (
            UPDATE executions SET status = @status, data_json = @data, metadata_json = @meta, error_type = @etype,
                error_message = @emsg, traceback = @tb, stdout_tail = @out, stderr_tail = @err, output_truncated = @trunc,
                duration_ms = @dur, cost_usd = @cost, rows_processed = @rows, exit_code = @code, kill_reason = @kill,
                exit_reason = @reason, finished_at = now(), started_at = coalesce(started_at, now())
            WHERE id = @id AND status IN {Unfinished} AND (@worker = '' OR worker_id = @worker)
            RETURNING {Columns}),
        b AS (
            UPDATE batches SET remaining = remaining - 1, finished_at = CASE WHEN remaining = 1 THEN now() ELSE finished_at END
            WHERE id = (SELECT batch_id FROM done)
            RETURNING id, remaining),
        events AS ({EventOutbox.EnqueueSql("done", "b WHERE remaining = 0")})
        SELECT * FROM done
        """;

    /// <summary>Writes a synchronous run as RUNNING; false when the id exists already (a client retry).</summary>
    public async Task<bool> InsertRunningAsync(NewExecution execution, string workerId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO executions (id, script_name, version, content_hash, params, status, caller, started_at, worker_id, attempts)
            VALUES (@id, @name, @version, @hash, @params, 8, @caller, now(), @worker, 1)
            ON CONFLICT (id) DO NOTHING
            """);
        command.With("id", execution.Id).With("name", execution.ScriptName).With("version", execution.Version ?? "")
            .With("hash", execution.ContentHash).With("params", execution.ParamsJson).With("caller", Text(execution.Caller)).With("worker", workerId);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    /// <summary>Writes a batch and all its jobs as QUEUED in one transaction; false when the batch id exists (a replay).</summary>
    public async Task<bool> InsertBatchAsync(NewBatch batch, IReadOnlyList<NewExecution> jobs, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO batches (id, label, caller, total, remaining, budget_usd, estimated_cost_usd, limits_json)
            VALUES (@id, @label, @caller, @total, @total, @budget, @estimate, @limits)
            ON CONFLICT (id) DO NOTHING
            """, connection, transaction))
        {
            insert.With("id", batch.Id).With("label", Text(batch.Label)).With("caller", Text(batch.Caller)).With("total", batch.Total)
                .With("budget", batch.BudgetUsd).With("estimate", batch.EstimatedCostUsd).With("limits", batch.LimitsJson);
            insert.Parameters["limits"].NpgsqlDbType = NpgsqlDbType.Text;
            if (await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
            {
                return false;
            }
        }

        foreach (var (hash, content) in batch.InlineContents ?? new Dictionary<string, string>())
        {
            await using var keep = new NpgsqlCommand(
                "INSERT INTO script_contents (content_hash, content) VALUES (@hash, @content) ON CONFLICT (content_hash) DO NOTHING", connection, transaction);
            keep.With("hash", hash).With("content", content);
            await keep.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY executions (id, script_name, version, content_hash, batch_id, batch_index, params, status, caller) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            foreach (var job in jobs)
            {
                await copy.StartRowAsync(ct).ConfigureAwait(false);
                await copy.WriteAsync(job.Id, NpgsqlDbType.Uuid, ct).ConfigureAwait(false);
                await copy.WriteAsync(job.ScriptName, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                await copy.WriteAsync(job.Version ?? "", NpgsqlDbType.Text, ct).ConfigureAwait(false);
                await copy.WriteAsync(job.ContentHash, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                await copy.WriteAsync(batch.Id, NpgsqlDbType.Uuid, ct).ConfigureAwait(false);
                await copy.WriteAsync(job.BatchIndex, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
                await copy.WriteAsync(job.ParamsJson, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                await copy.WriteAsync((short)ExecutionStatus.Queued, NpgsqlDbType.Smallint, ct).ConfigureAwait(false);
                await copy.WriteAsync(Text(job.Caller), NpgsqlDbType.Text, ct).ConfigureAwait(false);
            }

            await copy.CompleteAsync(ct).ConfigureAwait(false);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Starts a queued job on <paramref name="workerId"/>. A RUNNING job is taken over only when the
    /// broker redelivered it (its worker died) or it is this worker's own retry after an infrastructure
    /// fault; a duplicate message for a running job is therefore harmless.
    /// </summary>
    public async Task<ClaimResult> TryClaimAsync(Guid id, string workerId, bool redelivered, bool retrying, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            WITH claimed AS (
                UPDATE executions SET status = 8, worker_id = @worker, started_at = now(), attempts = attempts + 1
                WHERE id = @id AND (status = 7 OR (status = 8 AND (@redelivered OR (@retrying AND worker_id = @worker))))
                RETURNING 1)
            SELECT (SELECT count(*) FROM claimed), (SELECT count(*) FROM executions WHERE id = @id)
            """);
        command.With("id", id).With("worker", workerId).With("redelivered", redelivered).With("retrying", retrying);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return reader.GetInt64(0) == 1 ? ClaimResult.Claimed : reader.GetInt64(1) == 0 ? ClaimResult.Missing : ClaimResult.AlreadyHandled;
    }

    /// <summary>
    /// Gives a claimed job back to the queue because its worker is stopping before it finished: QUEUED again,
    /// so that whichever worker the broker redelivers it to claims it as a fresh job.
    /// </summary>
    public async Task ReleaseAsync(Guid id, string workerId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE executions SET status = 7, worker_id = '', started_at = NULL WHERE id = @id AND status = 8 AND worker_id = @worker");
        command.With("id", id).With("worker", workerId);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Records how a run ended, once, and returns the record; null when it had already ended (for example it
    /// was cancelled). With <paramref name="workerId"/> set, only while this worker still owns the job.</summary>
    public async Task<Execution?> CompleteAsync(Guid id, Completion c, string workerId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(CompleteSql);
        command.With("id", id).With("status", (short)c.Status).With("data", Text(c.DataJson)).With("meta", Text(c.MetadataJson))
            .With("etype", Text(c.ErrorType)).With("emsg", Text(c.ErrorMessage)).With("tb", Text(c.Traceback)).With("out", Text(c.Stdout))
            .With("err", Text(c.Stderr)).With("trunc", c.OutputTruncated).With("dur", c.DurationMs).With("cost", c.CostUsd).With("rows", c.RowsProcessed)
            .With("code", c.ExitCode).With("kill", (short)c.KillReason).With("reason", Text(c.ExitReason)).With("worker", workerId);
        var ended = await EndRunsAsync(command, ct).ConfigureAwait(false);
        return ended.Count == 0 ? null : ended[0];
    }

    /// <summary>Cancels unfinished jobs (one, or all of a batch) and queues their events; returns them as they now are.</summary>
    public async Task<IReadOnlyList<Execution>> CancelAsync(Guid? executionId, Guid? batchId, string reason, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH c AS (
                UPDATE executions SET status = 5, finished_at = now(), kill_reason = 7, exit_reason = @reason,
                    error_type = 'cancelled', error_message = @reason
                WHERE status IN {Unfinished} AND ((@eid::uuid IS NOT NULL AND id = @eid) OR (@bid::uuid IS NOT NULL AND batch_id = @bid))
                RETURNING {Columns}),
            per_batch AS (SELECT batch_id, count(*) AS n FROM c WHERE batch_id IS NOT NULL GROUP BY batch_id),
            b AS (
                UPDATE batches SET remaining = remaining - per_batch.n, cancelled = cancelled OR @bid::uuid IS NOT NULL,
                    finished_at = CASE WHEN remaining - per_batch.n <= 0 THEN now() ELSE finished_at END
                FROM per_batch WHERE batches.id = per_batch.batch_id
                RETURNING batches.id, batches.remaining),
            events AS ({EventOutbox.EnqueueSql("c", "b WHERE remaining <= 0")})
            SELECT * FROM c ORDER BY batch_index
            """);
        command.With("eid", executionId).With("bid", batchId).With("reason", Text(reason));
        command.Parameters["eid"].NpgsqlDbType = NpgsqlDbType.Uuid;
        command.Parameters["bid"].NpgsqlDbType = NpgsqlDbType.Uuid;
        return await EndRunsAsync(command, ct).ConfigureAwait(false);
    }

    /// <summary>Marks a batch cancelled even when none of its jobs was left to cancel.</summary>
    public async Task MarkBatchCancelledAsync(Guid batchId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("UPDATE batches SET cancelled = true WHERE id = @id AND remaining > 0");
        command.With("id", batchId);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task<Execution?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM executions WHERE id = @id");
        command.With("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <summary>A batch with its counts by status and cost so far; null when unknown.</summary>
    public async Task<Batch?> GetBatchAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT b.id, b.label, b.caller, b.total, b.remaining, b.budget_usd, b.cancelled, b.created_at, b.finished_at,
                   (SELECT coalesce(sum(cost_usd), 0) FROM executions WHERE batch_id = b.id)
            FROM batches b WHERE b.id = @id;
            SELECT status, count(*) FROM executions WHERE batch_id = @id GROUP BY status ORDER BY status;
            """);
        command.With("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            return null;
        }

        var total = reader.GetInt32(3);
        var remaining = reader.GetInt32(4);
        var cancelled = reader.GetBoolean(6);
        var batch = new Batch
        {
            Id = reader.GetGuid(0).ToString(),
            Label = reader.GetString(1),
            Caller = reader.GetString(2),
            Total = total,
            Finished = total - remaining,
            Progress = total == 0 ? 1 : (double)(total - remaining) / total,
            State = cancelled ? BatchState.Cancelled : remaining == 0 ? BatchState.Completed : BatchState.Running,
            CreatedAt = Timestamp.FromDateTime(reader.GetFieldValue<DateTime>(7)),
            CostUsd = reader.GetDouble(9),
        };
        if (reader.GetNullable<double>(5) is { } budget)
        {
            batch.BudgetUsd = budget;
        }

        if (reader.GetNullable<DateTime>(8) is { } finishedAt)
        {
            batch.FinishedAt = Timestamp.FromDateTime(finishedAt);
        }

        await reader.NextResultAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            batch.Counts.Add(new StatusCount { Status = (ExecutionStatus)reader.GetInt16(0), Count = (int)reader.GetInt64(1) });
        }

        return batch;
    }

    /// <summary>A page of history, newest first (batch order when filtered by batch), and the total count.</summary>
    public async Task<(List<Execution> Page, long Total)> ListAsync(ExecutionFilter filter, int offset, int limit, CancellationToken ct)
    {
        var order = filter.BatchId is null ? "created_at DESC, id DESC" : "batch_index";
        var where = """
            (@name::text IS NULL OR script_name = @name) AND (@statuses::smallint[] IS NULL OR status = ANY(@statuses))
            AND (@bid::uuid IS NULL OR batch_id = @bid) AND (@caller::text IS NULL OR caller = @caller)
            AND (@after::timestamptz IS NULL OR created_at >= @after) AND (@before::timestamptz IS NULL OR created_at < @before)
            """;
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM executions WHERE {where} ORDER BY {order} OFFSET @offset LIMIT @limit;
            SELECT count(*) FROM executions WHERE {where};
            """);
        command.With("name", filter.ScriptName).With("statuses", filter.Statuses is { Count: > 0 } s ? s.Select(x => (short)x).ToArray() : null)
            .With("bid", filter.BatchId).With("caller", filter.Caller)
            .With("after", filter.CreatedAfter?.UtcDateTime).With("before", filter.CreatedBefore?.UtcDateTime)
            .With("offset", offset).With("limit", limit);
        command.Parameters["name"].NpgsqlDbType = NpgsqlDbType.Text;
        command.Parameters["statuses"].NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint;
        command.Parameters["bid"].NpgsqlDbType = NpgsqlDbType.Uuid;
        command.Parameters["caller"].NpgsqlDbType = NpgsqlDbType.Text;
        command.Parameters["after"].NpgsqlDbType = NpgsqlDbType.TimestampTz;
        command.Parameters["before"].NpgsqlDbType = NpgsqlDbType.TimestampTz;
        var page = new List<Execution>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            page.Add(Read(reader));
        }

        await reader.NextResultAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return (page, reader.GetInt64(0));
    }

    /// <summary>Notes that every RunScript message of the batch was confirmed by the broker.</summary>
    public async Task MarkDispatchedAsync(Guid batchId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("UPDATE batches SET dispatched_at = now() WHERE id = @id AND dispatched_at IS NULL");
        command.With("id", batchId);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Batches committed more than <paramref name="grace"/> ago whose messages were never confirmed sent.</summary>
    public async Task<List<Guid>> UndispatchedBatchesAsync(TimeSpan grace, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id FROM batches WHERE dispatched_at IS NULL AND NOT cancelled AND created_at < now() - @grace ORDER BY created_at LIMIT 100");
        command.With("grace", grace);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    /// <summary>The still-queued jobs of a batch, with their inline content and the batch's limits.</summary>
    public async Task<List<QueuedJob>> QueuedJobsAsync(Guid batchId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT e.id, e.batch_index, e.script_name, e.version, e.content_hash, e.params, e.caller, c.content, b.limits_json
            FROM executions e JOIN batches b ON b.id = e.batch_id
            LEFT JOIN script_contents c ON e.version = '' AND c.content_hash = e.content_hash
            WHERE e.batch_id = @id AND e.status = 7 ORDER BY e.batch_index
            """);
        command.With("id", batchId);
        var jobs = new List<QueuedJob>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var version = reader.GetString(3);
            jobs.Add(new QueuedJob(reader.GetGuid(0), batchId, reader.GetInt32(1), reader.GetString(2), version.Length == 0 ? null : version,
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetStringOrNull(7), reader.GetStringOrNull(8)));
        }

        return jobs;
    }

    /// <summary>
    /// Ends synchronous runs still RUNNING long after any run may last (the process serving them died):
    /// they are recorded as ERROR "abandoned" (their events queued) and returned.
    /// <paramref name="alive"/> are runs the calling process still serves: a run's started_at is set before it
    /// waits for a sandbox slot, so a long wait alone must not make it look abandoned.
    /// </summary>
    public async Task<IReadOnlyList<Execution>> AbandonStaleRunsAsync(TimeSpan olderThan, IReadOnlyCollection<Guid> alive, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH a AS (
                UPDATE executions SET status = 2, finished_at = now(), error_type = 'abandoned',
                    error_message = 'the process running it stopped before it finished', exit_reason = 'abandoned: its server stopped'
                WHERE finished_at IS NULL AND batch_id IS NULL AND status = 8 AND started_at < now() - @age AND NOT (id = ANY(@alive))
                RETURNING {Columns}),
            events AS ({EventOutbox.EnqueueSql("a")})
            SELECT * FROM a
            """);
        command.With("age", olderThan).With("alive", alive.ToArray());
        return await EndRunsAsync(command, ct).ConfigureAwait(false);
    }

    /// <summary>The cost estimate recorded when the batch was submitted.</summary>
    public async Task<double> BatchEstimateAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT estimated_cost_usd FROM batches WHERE id = @id");
        command.With("id", id);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is double value ? value : 0;
    }

    /// <summary>Counts of a finished batch for its BatchCompleted event.</summary>
    public async Task<(int Total, int Succeeded, int Failed, int Cancelled, double Cost, string Caller, DateTimeOffset FinishedAt)> BatchSummaryAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT b.total, count(*) FILTER (WHERE e.status = 1), count(*) FILTER (WHERE e.status IN (2, 3, 4, 6)),
                   count(*) FILTER (WHERE e.status = 5), coalesce(sum(e.cost_usd), 0), b.caller, coalesce(b.finished_at, now())
            FROM batches b LEFT JOIN executions e ON e.batch_id = b.id WHERE b.id = @id GROUP BY b.id
            """);
        command.With("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return (reader.GetInt32(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2), (int)reader.GetInt64(3), reader.GetDouble(4), reader.GetString(5),
            new DateTimeOffset(reader.GetFieldValue<DateTime>(6), TimeSpan.Zero));
    }

    // Runs a statement that ended runs (and queued their events); once it is committed, the dispatcher is woken.
    private async Task<IReadOnlyList<Execution>> EndRunsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var list = new List<Execution>();
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                list.Add(Read(reader));
            }
        }

        if (list.Count > 0)
        {
            outbox.Nudge();
        }

        return list;
    }

    // Postgres text cannot hold NUL (error 22021), yet a script's output, exception messages and a caller's
    // strings may contain it; a rejected write would turn the script's own outcome into an infrastructure fault.
    private static string Text(string value) => value.Replace('\0', '\uFFFD');

    private static Execution Read(NpgsqlDataReader r)
    {
        var e = new Execution
        {
            Id = r.GetGuid(0).ToString(),
            ScriptName = r.GetString(1),
            Version = r.GetString(2),
            ContentHash = r.GetString(3),
            BatchId = r.GetNullable<Guid>(4)?.ToString() ?? "",
            BatchIndex = r.GetInt32(5),
            ParamsJson = r.GetString(6),
            Status = (ExecutionStatus)r.GetInt16(7),
            DataJson = r.GetString(8),
            MetadataJson = r.GetString(9),
            StdoutTail = r.GetString(13),
            StderrTail = r.GetString(14),
            OutputTruncated = r.GetBoolean(15),
            Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(r.GetDouble(16))),
            CostUsd = r.GetDouble(17),
            RowsProcessed = r.GetInt64(18),
            Caller = r.GetString(19),
            CreatedAt = Timestamp.FromDateTime(r.GetFieldValue<DateTime>(20)),
            ExitCode = r.GetInt32(23),
            KillReason = (KillReason)r.GetInt16(24),
            ExitReason = r.GetString(25),
            WorkerId = r.GetString(26),
        };
        if (r.GetString(10) is { Length: > 0 } type)
        {
            e.Error = new ExecutionError { Type = type, Message = r.GetString(11), Traceback = r.GetString(12) };
        }

        if (r.GetNullable<DateTime>(21) is { } started)
        {
            e.StartedAt = Timestamp.FromDateTime(started);
        }

        if (r.GetNullable<DateTime>(22) is { } finished)
        {
            e.FinishedAt = Timestamp.FromDateTime(finished);
        }

        return e;
    }
}
