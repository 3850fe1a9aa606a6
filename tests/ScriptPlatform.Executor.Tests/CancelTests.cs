using Grpc.Core;
using Grpc.Net.Client;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Executor.Tests.Infrastructure;

namespace ScriptPlatform.Executor.Tests;

public sealed class CancelTests(Platform platform)
{
    private readonly ExecutorHost _host = platform.Shared;

    [Fact]
    public async Task Cancelling_a_running_synchronous_run_kills_it_and_records_CANCELLED()
    {
        var request = Scripts.Inline(Scripts.Sleeps(20));
        request.ExecutionId = Guid.NewGuid().ToString();
        var run = _host.Client.RunAsync(request);
        await _host.Client.ExecutionInAsync(request.ExecutionId, e => e.Status == ExecutionStatus.Running);

        var cancel = await _host.Client.CancelAsync(new CancelRequest { ExecutionId = request.ExecutionId, Reason = "changed my mind" });
        var finished = (await run.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Execution;

        Assert.Equal(1, cancel.CancelledCount);
        Assert.Equal(ExecutionStatus.Cancelled, cancel.Execution.Status);
        Assert.Equal(ExecutionStatus.Cancelled, finished.Status);
        Assert.Equal(KillReason.Cancelled, finished.KillReason);
        Assert.Equal("changed my mind", finished.ExitReason);
        Assert.Single(await _host.Events.RunsOfAsync(Guid.Parse(request.ExecutionId)));
    }

    [Fact]
    public async Task Cancelling_a_finished_job_is_FAILED_PRECONDITION_and_an_unknown_one_NOT_FOUND()
    {
        var done = (await _host.Client.RunAsync(Scripts.Inline(Scripts.Add, """{"a": 1, "b": 1}"""))).Execution;

        var finished = await Assert.ThrowsAsync<RpcException>(() => _host.Client.CancelAsync(new CancelRequest { ExecutionId = done.Id }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _host.Client.CancelAsync(new CancelRequest { ExecutionId = Guid.NewGuid().ToString() }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, finished.StatusCode);
        Assert.Contains("SUCCESS", finished.Status.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(ExecutionStatus.Success, (await _host.Client.GetExecutionAsync(new GetExecutionRequest { Id = done.Id })).Execution.Status);
    }

    [Fact]
    public async Task Cancelling_a_batch_kills_its_running_jobs_and_drops_its_queued_ones()
    {
        var submitted = await _host.Client.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.Sleeps(30) }, ParamsJson = { Enumerable.Repeat("{}", 6) } },
        });
        await Waits.UntilAsync(
            async () => (await _host.Client.GetBatchAsync(new GetBatchRequest { BatchId = submitted.BatchId })).Batch,
            b => b.Count(ExecutionStatus.Running) >= 1, what: "a running job");

        var cancel = await _host.Client.CancelAsync(new CancelRequest { BatchId = submitted.BatchId });
        var batch = await _host.Client.BatchFinishedAsync(submitted.BatchId, timeoutMs: 10_000);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        var after = (await _host.Client.GetBatchAsync(new GetBatchRequest { BatchId = submitted.BatchId })).Batch;

        Assert.Equal(6, cancel.CancelledCount);
        Assert.Equal(0, cancel.AlreadyFinishedCount);
        Assert.Equal(BatchState.Cancelled, batch.State);
        Assert.Equal(6, after.Count(ExecutionStatus.Cancelled));
        Assert.Equal(1.0, after.Progress);
        var again = await Assert.ThrowsAsync<RpcException>(() => _host.Client.CancelAsync(new CancelRequest { BatchId = submitted.BatchId }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
    }

    [Fact]
    public async Task Cancelling_an_unknown_batch_is_NOT_FOUND()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.CancelAsync(new CancelRequest { BatchId = Guid.NewGuid().ToString() }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }
}
