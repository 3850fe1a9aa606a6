using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Executor.Infrastructure;
using ScriptPlatform.Executor.Tests.Infrastructure;
using ScriptPlatform.Persistence;

namespace ScriptPlatform.Executor.Tests;

/// <summary>
/// The transactional outbox: outcomes committed while nothing could publish them (the process died right after its
/// commits, or the broker was down) are announced later by whichever Executor process runs a dispatcher, each once.
/// </summary>
public sealed class OutboxTests(Platform platform)
{
    private static readonly string Hash = new('a', 64);

    [Fact]
    public async Task Outcomes_committed_with_no_dispatcher_running_are_announced_by_the_next_process_with_their_recorded_fields()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await platform.CreateDatabaseAsync();
        var batchId = Guid.NewGuid();
        var (ran, cancelled) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var orphan = await OrphanedStoreAsync(database))
        {
            await orphan.Store.InsertBatchAsync(new NewBatch(batchId, "crashed", "alice", 2, null, 0), [Job(ran, batchId, 0), Job(cancelled, batchId, 1)], ct);
            await orphan.Store.CompleteAsync(ran, new Completion(ExecutionStatus.Success, DurationMs: 12.5, CostUsd: 0.25, RowsProcessed: 3), "", ct);
            await orphan.Store.CancelAsync(cancelled, null, "stop", ct);
        }

        await using var host = await ExecutorHost.StartAsync(platform, database);
        var run = Assert.Single(await host.Events.RunsOfAsync(ran));
        var cancel = Assert.Single(await host.Events.RunsOfAsync(cancelled));
        var batch = await Waits.UntilAsync(() => Task.FromResult(host.Events.Batches.FirstOrDefault(b => b.BatchId == batchId)), b => b is not null, what: "BatchCompleted");
        await Waits.UntilAsync(() => OutboxCountAsync(database), n => n == 0, what: "an empty outbox");

        Assert.Equal((batchId, "adder", "1.2.0", Hash, ExecutionStatus.Success), (run.BatchId, run.ScriptName, run.Version, run.ContentHash, run.Status));
        Assert.Equal((12.5, 0.25, (long?)3, "alice"), (run.Duration.TotalMilliseconds, run.CostUsd, run.RowsProcessed, run.Caller));
        Assert.InRange(run.FinishedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        Assert.Equal(ExecutionStatus.Cancelled, cancel.Status);
        Assert.Equal((2, 1, 0, 1, 0.25, "alice"), (batch!.Total, batch.Succeeded, batch.Failed, batch.Cancelled, batch.CostUsd, batch.Caller));
    }

    [Fact]
    public async Task Two_processes_on_one_database_announce_each_pending_outcome_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await platform.CreateDatabaseAsync();
        var batchId = Guid.NewGuid();
        var jobs = Enumerable.Range(0, 1000).Select(i => Job(Guid.NewGuid(), batchId, i)).ToList();
        await using (var orphan = await OrphanedStoreAsync(database))
        {
            // One statement ends all of them: 1000 run events and the batch's, for the two dispatchers to share.
            await orphan.Store.InsertBatchAsync(new NewBatch(batchId, "crashed", "bob", jobs.Count, null, 0), jobs, ct);
            await orphan.Store.CancelAsync(null, batchId, "stop", ct);
        }

        // The shared host listens from before either starts, so it hears whichever of them publishes.
        var heard = platform.Shared.Events;
        var hosts = await Task.WhenAll(ExecutorHost.StartAsync(platform, database), ExecutorHost.StartAsync(platform, database));
        await using var first = hosts[0];
        await using var second = hosts[1];
        await Waits.UntilAsync(() => OutboxCountAsync(database), n => n == 0, what: "an empty outbox");
        var ids = jobs.Select(j => j.Id).ToHashSet();
        await Waits.UntilAsync(() => Task.FromResult(heard.Runs.Count(r => ids.Contains(r.ExecutionId))), n => n >= jobs.Count, what: "every run event");
        await Waits.UntilAsync(() => Task.FromResult(heard.Batches.Any(b => b.BatchId == batchId)), seen => seen, what: "the batch event");
        await Task.Delay(500, ct); // time for a duplicate to show up, if there were one

        Assert.Equal(jobs.Count, heard.Runs.Count(r => ids.Contains(r.ExecutionId)));
        Assert.Equal(jobs.Count, heard.Runs.Where(r => ids.Contains(r.ExecutionId)).Select(r => r.ExecutionId).Distinct().Count());
        Assert.Single(heard.Batches, b => b.BatchId == batchId);
    }

    [Fact]
    public async Task An_unreadable_outbox_row_is_dropped_and_does_not_hold_back_the_others()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await platform.CreateDatabaseAsync();
        var id = Guid.NewGuid();
        await using (var orphan = await OrphanedStoreAsync(database))
        {
            await using var bad = orphan.DataSource.CreateCommand("INSERT INTO event_outbox (kind, payload) VALUES ('run_completed', 'not json'), ('no_such_kind', '{}')");
            await bad.ExecuteNonQueryAsync(ct);
            await orphan.Store.InsertRunningAsync(new NewExecution(id, "adder", null, Hash, null, 0, "{}", "carol"), "dead:1", ct);
            await orphan.Store.CompleteAsync(id, new Completion(ExecutionStatus.Error), "dead:1", ct);
        }

        await using var host = await ExecutorHost.StartAsync(platform, database);

        Assert.Equal(ExecutionStatus.Error, Assert.Single(await host.Events.RunsOfAsync(id)).Status);
        await Waits.UntilAsync(() => OutboxCountAsync(database), n => n == 0, what: "an empty outbox");
    }

    [Fact]
    public async Task An_event_that_keeps_failing_is_parked_after_its_attempts_and_never_holds_back_the_others()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await platform.CreateDatabaseAsync();
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        await using var orphan = await OrphanedStoreAsync(database);
        // Readable, but no broker message can carry an infinite cost: its publish fails every time.
        await using (var poison = orphan.DataSource.CreateCommand($"""
            INSERT INTO event_outbox (kind, payload, attempts) VALUES ('run_completed', '{"{"}"execution_id": "{Guid.NewGuid()}", "batch_id": null,
                "script_name": "adder", "version": "", "content_hash": "{Hash}", "status": 1, "duration_ms": 1, "cost_usd": "Infinity",
                "rows_processed": 0, "caller": "", "finished_at": "2026-01-01T00:00:00Z"{"}"}', {OutboxDispatcher.MaxAttempts - 1})
            """))
        {
            await poison.ExecuteNonQueryAsync(ct);
        }

        await orphan.Store.InsertRunningAsync(new NewExecution(first, "adder", null, Hash, null, 0, "{}", "dave"), "dead:1", ct);
        await orphan.Store.CompleteAsync(first, new Completion(ExecutionStatus.Success), "dead:1", ct);

        await using var host = await ExecutorHost.StartAsync(platform, database);
        Assert.Single(await host.Events.RunsOfAsync(first));
        await Waits.UntilAsync(() => ScalarAsync<int>(database, "SELECT attempts FROM event_outbox"), n => n == OutboxDispatcher.MaxAttempts, what: "the poison row parked");
        await orphan.Store.InsertRunningAsync(new NewExecution(second, "adder", null, Hash, null, 0, "{}", "dave"), "dead:1", ct);
        await orphan.Store.CompleteAsync(second, new Completion(ExecutionStatus.Success), "dead:1", ct);

        Assert.Single(await host.Events.RunsOfAsync(second));
        Assert.Contains("serialize", await ScalarAsync<string>(database, "SELECT last_error FROM event_outbox"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_reported_cost_too_large_for_a_double_is_not_recorded_and_the_runs_event_goes_out()
    {
        var execution = (await platform.Shared.Client.RunAsync(Scripts.Inline(
            "def execute(params):\n    return {'status': 'success', 'data': 1, 'metadata': {'cost': 10 ** 400}}\n"))).Execution;

        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Equal(0, execution.CostUsd);
        Assert.Equal(0, Assert.Single(await platform.Shared.Events.RunsOfAsync(Guid.Parse(execution.Id))).CostUsd);
    }

    private static NewExecution Job(Guid id, Guid batchId, int index) => new(id, "adder", "1.2.0", Hash, batchId, index, "{}", "alice");

    /// <summary>A migrated database and a store writing to it, with no dispatcher anywhere: what a process that died leaves.</summary>
    private static async Task<Orphan> OrphanedStoreAsync(string database)
    {
        var dataSource = NpgsqlDataSource.Create(database);
        await new MigrationRunner(NullLogger<MigrationRunner>.Instance).ApplyAsync(
            dataSource, SqlMigration.FromEmbeddedResources(typeof(ExecutionStore).Assembly, "ScriptPlatform.Executor.Migrations"), "scriptplatform.executor.migrations");
        return new Orphan(dataSource, new ExecutionStore(dataSource, new OutboxSignal()));
    }

    private static Task<long> OutboxCountAsync(string database) => ScalarAsync<long>(database, "SELECT count(*) FROM event_outbox");

    private static async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private sealed record Orphan(NpgsqlDataSource DataSource, ExecutionStore Store) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => DataSource.DisposeAsync();
    }
}
