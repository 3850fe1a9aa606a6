using RabbitMQ.Client;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Executor.Infrastructure;
using ScriptPlatform.Executor.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ScriptPlatform.Executor.Tests;

public sealed class WorkerTests(Platform platform)
{
    [Fact]
    public async Task A_worker_killed_mid_job_leaves_the_job_to_another_worker_and_it_is_recorded_once()
    {
        // An API-only host: every batch job goes to the separate worker processes.
        await using var api = await ExecutorHost.StartAsync(platform, settings: new Dictionary<string, string?> { ["ScriptPlatform:Executor:Role"] = "Api" });
        await using var doomed = WorkerProcess.Start(platform, api.Database, api.QueuePrefix, "worker-doomed");
        var submitted = await api.Client.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.Sleeps(3) }, ParamsJson = { "{}" } },
        });
        var job = (await api.Client.ListExecutionsAsync(new ListExecutionsRequest { BatchId = submitted.BatchId })).Executions.Single();
        await api.Client.ExecutionInAsync(job.Id, e => e.Status == ExecutionStatus.Running && e.WorkerId == "worker-doomed", timeoutMs: 60_000);

        doomed.KillHard();
        await using var survivor = WorkerProcess.Start(platform, api.Database, api.QueuePrefix, "worker-survivor");
        var finished = await api.Client.ExecutionInAsync(job.Id, e => e.Status == ExecutionStatus.Success, timeoutMs: 60_000);
        await Task.Delay(1000, TestContext.Current.CancellationToken);

        Assert.Equal("worker-survivor", finished.WorkerId);
        Assert.Single((await api.Client.ListExecutionsAsync(new ListExecutionsRequest { BatchId = submitted.BatchId })).Executions);
        Assert.Equal(2, await api.ScalarAsync<int>("SELECT attempts FROM executions WHERE id = @id", Guid.Parse(job.Id)));
        Assert.Single(await api.Events.RunsOfAsync(Guid.Parse(job.Id)));
        var batch = await api.Client.BatchFinishedAsync(submitted.BatchId);
        Assert.Equal((BatchState.Completed, 1), (batch.State, batch.Count(ExecutionStatus.Success)));
    }

    [Fact]
    public async Task A_poison_job_goes_to_the_error_queue_with_the_reason()
    {
        var host = platform.Shared;
        var unknown = Guid.NewGuid();
        await host.Services.GetRequiredService<JobQueue>().SendAsync(
            [new RunScript(unknown, null, 0, "inline", null, new string('a', 64), "def execute(p): return 1", "{}", null, null, null, DateTimeOffset.UtcNow)],
            TestContext.Current.CancellationToken);

        var queue = host.Services.GetRequiredService<QueueNames>().RunScript + "_error";
        var factory = new ConnectionFactory { Uri = new Uri(platform.RabbitMq) };
        await using var connection = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
        var message = await Waits.UntilAsync(
            async () =>
            {
                // A fresh channel each time: a get from a queue that does not exist yet closes the channel.
                await using var channel = await connection.CreateChannelAsync(cancellationToken: TestContext.Current.CancellationToken);
                try
                {
                    return await channel.BasicGetAsync(queue, autoAck: true, TestContext.Current.CancellationToken);
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
                {
                    return null; // the error queue is declared on the first fault
                }
            },
            m => m is not null, what: "the error queue");

        var reason = System.Text.Encoding.UTF8.GetString((byte[])message!.BasicProperties.Headers!["MT-Fault-Message"]!);
        Assert.Contains(unknown.ToString(), reason, StringComparison.Ordinal);
        Assert.Contains("not in the execution log", reason, StringComparison.Ordinal);
    }
}
