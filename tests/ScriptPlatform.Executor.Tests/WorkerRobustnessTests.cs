using Microsoft.Extensions.DependencyInjection;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Executor.Infrastructure;
using ScriptPlatform.Executor.Tests.Infrastructure;
using ScriptPlatform.Sandbox;

namespace ScriptPlatform.Executor.Tests;

/// <summary>What a worker does when it is stopped, shares warm interpreters, or meets output it cannot store as it is.</summary>
public sealed class WorkerRobustnessTests(Platform platform)
{
    // Runs at import, in the warm harness process itself (not in a job's fork): it notes every job
    // the harness is handed, so each job sees the params of the jobs its warm worker ran before it.
    private const string RemembersEarlierJobs = """
        import sys

        _harness = sys.modules["__main__"]
        _seen = []
        _run_job = _harness.run_job

        def _noting(job, *args):
            _seen.append(job.get("params", {}).get("who"))
            return _run_job(job, *args)

        _harness.run_job = _noting

        def execute(params):
            return {"status": "success", "data": _seen}
        """;

    private const string PrintsAndRaisesNul = """
        import sys

        def execute(params):
            print("before\0after", flush=True)
            print("warn\0ing", file=sys.stderr, flush=True)
            raise ValueError("a\0b")
        """;

    [Fact]
    public async Task A_worker_stopped_gracefully_mid_job_hands_the_job_back_and_another_worker_runs_it_to_SUCCESS()
    {
        await using var api = await ExecutorHost.StartAsync(platform, settings: new Dictionary<string, string?> { ["ScriptPlatform:Executor:Role"] = "Api" });
        // A short grace, so that the job is still running when the worker's consumers are cancelled.
        await using var stopping = WorkerProcess.Start(platform, api.Database, api.QueuePrefix, "worker-stopping",
            settings: new Dictionary<string, string> { ["ScriptPlatform:Executor:StopGrace"] = "00:00:00.500" });
        var submitted = await api.Client.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.Sleeps(6) }, ParamsJson = { "{}" } },
        });
        var job = (await api.Client.ListExecutionsAsync(new ListExecutionsRequest { BatchId = submitted.BatchId })).Executions.Single();
        await api.Client.ExecutionInAsync(job.Id, e => e.Status == ExecutionStatus.Running && e.WorkerId == "worker-stopping", timeoutMs: 60_000);

        await stopping.StopGracefullyAsync(TimeSpan.FromSeconds(30));
        var handedBack = await api.Client.GetExecutionAsync(new GetExecutionRequest { Id = job.Id });
        await using var survivor = WorkerProcess.Start(platform, api.Database, api.QueuePrefix, "worker-survivor");
        var finished = await api.Client.ExecutionInAsync(job.Id, e => e.Status is not (ExecutionStatus.Unspecified or ExecutionStatus.Queued or ExecutionStatus.Running),
            timeoutMs: 60_000);
        await Task.Delay(1000, TestContext.Current.CancellationToken);

        Assert.Equal(ExecutionStatus.Queued, handedBack.Execution.Status);
        Assert.Equal((ExecutionStatus.Success, "worker-survivor"), (finished.Status, finished.WorkerId));
        Assert.Equal(2, await api.ScalarAsync<int>("SELECT attempts FROM executions WHERE id = @id", Guid.Parse(job.Id)));
        var events = await api.Events.RunsOfAsync(Guid.Parse(job.Id));
        Assert.Equal([ExecutionStatus.Success], events.Select(e => e.Status));
        var batch = await api.Client.BatchFinishedAsync(submitted.BatchId);
        Assert.Equal((BatchState.Completed, 1), (batch.State, batch.Count(ExecutionStatus.Success)));
    }

    [Fact]
    public async Task Warm_workers_are_not_shared_between_callers()
    {
        // One slot: every job of the script goes to the same slot, where a warm worker would be reused.
        await using var host = await ExecutorHost.StartAsync(platform, settings: new Dictionary<string, string?>
        {
            ["ScriptPlatform:Executor:WarmBatches"] = "true",
            ["ScriptPlatform:Sandbox:Slots"] = "1",
        });

        var alice = await RunBatchAsync(host, "alice", """{"who": "alice-1"}""", """{"who": "alice-2"}""");
        var bob = await RunBatchAsync(host, "bob", """{"who": "bob-1"}""");

        // The same caller's jobs share the warm worker (so the script really does see earlier jobs)...
        Assert.Contains(alice, data => data.Contains("alice-1", StringComparison.Ordinal) && data.Contains("alice-2", StringComparison.Ordinal));
        // ...another caller's never do.
        var bobData = Assert.Single(bob);
        Assert.Contains("bob-1", bobData, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", bobData, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NUL_characters_in_a_batch_jobs_output_and_error_are_recorded_once_as_ERROR_with_readable_text()
    {
        var host = platform.Shared;
        var submitted = await host.Client.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = PrintsAndRaisesNul }, ParamsJson = { "{}" } },
        });

        var batch = await host.Client.BatchFinishedAsync(submitted.BatchId);
        var job = (await host.Client.GetBatchAsync(new GetBatchRequest { BatchId = submitted.BatchId, IncludeResults = true })).Results.Single();

        Assert.Equal(1, batch.Count(ExecutionStatus.Error));
        AssertReadableValueError(job);
        Assert.Equal(1, await host.ScalarAsync<int>("SELECT attempts FROM executions WHERE id = @id", Guid.Parse(job.Id)));
        Assert.Single(await host.Events.RunsOfAsync(Guid.Parse(job.Id)));
    }

    [Fact]
    public async Task NUL_characters_in_a_synchronous_runs_output_and_error_are_recorded_as_ERROR_with_readable_text()
    {
        var run = (await platform.Shared.Client.RunAsync(Scripts.Inline(PrintsAndRaisesNul))).Execution;
        var stored = (await platform.Shared.Client.GetExecutionAsync(new GetExecutionRequest { Id = run.Id })).Execution;

        AssertReadableValueError(run);
        AssertReadableValueError(stored);
    }

    [Fact]
    public async Task A_sandbox_failure_for_a_job_is_recorded_once_as_ERROR_sandbox_failure_not_retried_as_an_infrastructure_fault()
    {
        await using var host = await ExecutorHost.StartAsync(platform,
            services: s => s.AddSingleton<ISandbox>(sp => new FailingSandbox(sp.GetRequiredService<ScriptSandbox>())));
        var submitted = await host.Client.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = FailingSandbox.Marker + "\n" + Scripts.Add }, ParamsJson = { """{"a": 1, "b": 2}""" } },
        });

        var batch = await host.Client.BatchFinishedAsync(submitted.BatchId);
        var job = (await host.Client.GetBatchAsync(new GetBatchRequest { BatchId = submitted.BatchId, IncludeResults = true })).Results.Single();

        Assert.Equal(1, batch.Count(ExecutionStatus.Error));
        Assert.Equal("sandbox_failure", job.Error.Type);
        Assert.Contains(FailingSandbox.Failure, job.Error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await host.ScalarAsync<int>("SELECT attempts FROM executions WHERE id = @id", Guid.Parse(job.Id)));
        Assert.Single(await host.Events.RunsOfAsync(Guid.Parse(job.Id)));
    }

    [Fact]
    public async Task A_synchronous_run_waiting_long_for_a_slot_in_its_live_process_is_not_recorded_as_abandoned()
    {
        await using var host = await ExecutorHost.StartAsync(platform, settings: new Dictionary<string, string?>
        {
            ["ScriptPlatform:Sandbox:Slots"] = "1",
            ["ScriptPlatform:Executor:RecoveryInterval"] = "00:00:00.300",
        });
        var busy = host.Client.RunAsync(Scripts.Inline(Scripts.Sleeps(3)));
        await Waits.UntilAsync(() => Task.FromResult(host.Services.GetRequiredService<RunningJobs>().Ids.Count), n => n == 1, what: "the first run");
        var waiting = Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}""");
        waiting.ExecutionId = Guid.NewGuid().ToString();
        var run = host.Client.RunAsync(waiting);
        // Registered as served by this process (the row is RUNNING a moment before that; aging it in between
        // would rightly look abandoned, since a real run is only that old after waiting that long).
        await Waits.UntilAsync(() => Task.FromResult(host.Services.GetRequiredService<RunningJobs>().Ids.Contains(Guid.Parse(waiting.ExecutionId))),
            served => served, what: "the waiting run");

        // As if it had waited for the slot longer than any run may last: the sweeps meanwhile must leave it alone.
        Assert.Equal(1, await host.ScalarAsync<int>(
            "WITH aged AS (UPDATE executions SET started_at = now() - interval '2 hours' WHERE id = @id RETURNING 1) SELECT count(*)::int FROM aged",
            Guid.Parse(waiting.ExecutionId)));
        var finished = (await run).Execution;

        Assert.Equal(ExecutionStatus.Success, (await busy).Execution.Status);
        Assert.Equal(ExecutionStatus.Success, finished.Status);
        Assert.Equal(ExecutionStatus.Success, (await host.Client.GetExecutionAsync(new GetExecutionRequest { Id = waiting.ExecutionId })).Execution.Status);
    }

    private static void AssertReadableValueError(Execution execution)
    {
        Assert.Equal(ExecutionStatus.Error, execution.Status);
        Assert.Equal("ValueError", execution.Error.Type);
        Assert.Equal("a\uFFFDb", execution.Error.Message);
        Assert.Contains("ValueError: a\uFFFDb", execution.Error.Traceback, StringComparison.Ordinal);
        Assert.Contains("before\uFFFDafter", execution.StdoutTail, StringComparison.Ordinal);
        Assert.Contains("warn\uFFFDing", execution.StderrTail, StringComparison.Ordinal);
    }

    // The data of each job of a batch submitted by caller, once the batch has finished.
    private static async Task<List<string>> RunBatchAsync(ExecutorHost host, string caller, params string[] paramsJson)
    {
        var submitted = await host.Client.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = RemembersEarlierJobs }, ParamsJson = { paramsJson } },
            Caller = caller,
        });
        var batch = await host.Client.BatchFinishedAsync(submitted.BatchId);
        Assert.Equal(paramsJson.Length, batch.Count(ExecutionStatus.Success));
        var results = await host.Client.GetBatchAsync(new GetBatchRequest { BatchId = submitted.BatchId, IncludeResults = true });
        return results.Results.Select(r => r.DataJson).ToList();
    }

    /// <summary>The real sandbox, except that it throws (as a bug in it would) for scripts carrying <see cref="Marker"/>.</summary>
    private sealed class FailingSandbox(ISandbox inner) : ISandbox
    {
        public const string Marker = "# the sandbox fails on this script";
        public const string Failure = "the result could not be mapped";

        public Task<SandboxResult> RunAsync(SandboxJob job, CancellationToken ct = default) =>
            job.Source.Contains(Marker, StringComparison.Ordinal) ? Task.FromException<SandboxResult>(new InvalidOperationException(Failure)) : inner.RunAsync(job, ct);
    }
}
