using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Executor.Infrastructure;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Executor.Tests.Infrastructure;

namespace ScriptPlatform.Executor.Tests;

/// <summary>An API process that dies mid-request loses nothing: the recovery sweep finishes its work.</summary>
public sealed class RecoveryTests(Platform platform)
{
    private static readonly Dictionary<string, string?> FastSweeps = new()
    {
        ["ScriptPlatform:Executor:RecoveryInterval"] = "00:00:00.500",
        ["ScriptPlatform:Executor:DispatchGrace"] = "00:00:00.200",
    };

    [Fact]
    public async Task A_batch_committed_but_never_sent_is_sent_by_the_recovery_sweep_and_completes()
    {
        await using var host = await ExecutorHost.StartAsync(platform, settings: FastSweeps);
        var store = host.Services.GetRequiredService<ExecutionStore>();
        var script = ResolvedScript.Inline("inline", Scripts.Add);
        var batchId = Guid.NewGuid();
        var jobs = Enumerable.Range(0, 3).Select(i => new NewExecution(Guid.NewGuid(), script.Name, null, script.ContentHash, batchId, i, $$"""{"a": {{i}}, "b": 1}""", "crashed-api")).ToList();

        // What SubmitBatch leaves behind when its process dies after the commit, before sending.
        await store.InsertBatchAsync(
            new NewBatch(batchId, "orphan", "crashed-api", jobs.Count, null, 0, InlineContents: new Dictionary<string, string> { [script.ContentHash] = script.Content }),
            jobs, TestContext.Current.CancellationToken);
        var batch = await host.Client.BatchFinishedAsync(batchId.ToString());

        // Events leave through the outbox a moment after the outcomes commit.
        var events = await Task.WhenAll(jobs.Select(j => host.Events.RunsOfAsync(j.Id)));

        Assert.Equal((BatchState.Completed, 3), (batch.State, batch.Count(ExecutionStatus.Success)));
        Assert.All(events, e => Assert.Single(e));
    }

    [Fact]
    public async Task A_synchronous_run_left_running_by_a_dead_server_is_recorded_as_abandoned()
    {
        await using var host = await ExecutorHost.StartAsync(platform, settings: FastSweeps);
        var store = host.Services.GetRequiredService<ExecutionStore>();
        var id = Guid.NewGuid();
        await store.InsertRunningAsync(new NewExecution(id, "inline", null, new string('b', 64), null, 0, "{}", "crashed-api"), "dead-host:1", TestContext.Current.CancellationToken);
        await using (var connection = new NpgsqlConnection(host.Database))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var age = new NpgsqlCommand("UPDATE executions SET started_at = now() - interval '2 hours' WHERE id = @id", connection);
            age.Parameters.AddWithValue("id", id);
            await age.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var execution = await host.Client.ExecutionInAsync(id.ToString(), e => e.Status == ExecutionStatus.Error);

        Assert.Equal("abandoned", execution.Error.Type);
        Assert.Single(await host.Events.RunsOfAsync(id));
    }
}
