using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Executor.Infrastructure;
using ScriptPlatform.Executor.Tests.Infrastructure;

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
    public async Task A_duplicate_job_message_is_acknowledged_without_running_the_job_twice()
    {
        var host = platform.Shared;
        var content = Scripts.Sleeps(1);
        var submitted = await host.Client.SubmitBatchAsync(new SubmitBatchRequest { FanOut = new BatchFanOut { Inline = new InlineScript { Content = content }, ParamsJson = { "{}" } } });
        var job = (await host.Client.ListExecutionsAsync(new ListExecutionsRequest { BatchId = submitted.BatchId })).Executions.Single();
        await host.Client.ExecutionInAsync(job.Id, e => e.Status == ExecutionStatus.Running);

        await host.Services.GetRequiredService<JobQueue>().SendAsync(
            [new RunScript(Guid.Parse(job.Id), Guid.Parse(submitted.BatchId), 0, job.ScriptName, null, job.ContentHash, content, "{}", null, null, null, DateTimeOffset.UtcNow)],
            TestContext.Current.CancellationToken);
        await host.Client.BatchFinishedAsync(submitted.BatchId);
        await Task.Delay(1500, TestContext.Current.CancellationToken);

        Assert.Equal(1, await host.ScalarAsync<int>("SELECT attempts FROM executions WHERE id = @id", Guid.Parse(job.Id)));
        Assert.Single(await host.Events.RunsOfAsync(Guid.Parse(job.Id)));
        Assert.Equal(ExecutionStatus.Success, (await host.Client.GetExecutionAsync(new GetExecutionRequest { Id = job.Id })).Execution.Status);
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

public sealed class BinaryTests(Platform platform)
{
    [Fact]
    public async Task The_service_binary_answers_health_over_h2c_and_runs_scripts_as_the_AppHost_starts_it()
    {
        var port = WorkerProcess.FreePort();
        await using var service = WorkerProcess.Start(platform, await platform.CreateDatabaseAsync(), "bin" + port, "binary", role: "All", port: port, slots: 1);
        using var http = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        var health = await Waits.UntilAsync(
            async () =>
            {
                try
                {
                    return await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"), TestContext.Current.CancellationToken);
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            },
            r => r is { IsSuccessStatusCode: true }, timeoutMs: 60_000, what: "/health");
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var run = await new ExecutorService.ExecutorServiceClient(channel).RunAsync(Scripts.Inline(Scripts.Add, """{"a": 20, "b": 22}"""));

        Assert.Equal(System.Net.HttpVersion.Version20, health!.Version);
        Assert.Contains("Healthy", await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(ExecutionStatus.Success, run.Execution.Status);
        Assert.Equal("binary", run.Execution.WorkerId);
    }

    [Fact]
    public async Task Cancelling_a_job_kills_it_on_the_worker_process_that_runs_it()
    {
        await using var api = await ExecutorHost.StartAsync(platform, settings: new Dictionary<string, string?> { ["ScriptPlatform:Executor:Role"] = "Api" });
        await using var worker = WorkerProcess.Start(platform, api.Database, api.QueuePrefix, "remote-worker", slots: 1);
        var first = await api.Client.SubmitBatchAsync(new SubmitBatchRequest { FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.Sleeps(60) }, ParamsJson = { "{}" } } });
        var job = (await api.Client.ListExecutionsAsync(new ListExecutionsRequest { BatchId = first.BatchId })).Executions.Single();
        await api.Client.ExecutionInAsync(job.Id, e => e.Status == ExecutionStatus.Running && e.WorkerId == "remote-worker", timeoutMs: 60_000);

        var cancel = await api.Client.CancelAsync(new CancelRequest { ExecutionId = job.Id });
        // The worker's only slot is free again only if the sleeping job was really killed.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var second = await api.Client.SubmitBatchAsync(new SubmitBatchRequest { FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.Add }, ParamsJson = { """{"a": 1, "b": 2}""" } } });
        var batch = await api.Client.BatchFinishedAsync(second.BatchId, timeoutMs: 30_000).WaitAsync(TimeSpan.FromSeconds(40), TestContext.Current.CancellationToken)
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : throw new InvalidOperationException("worker log:\n" + worker.Log, t.Exception), TaskScheduler.Default);

        Assert.Equal(ExecutionStatus.Cancelled, cancel.Execution.Status);
        Assert.Equal(1, batch.Count(ExecutionStatus.Success));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the next job waited {clock.Elapsed} for the slot");
        Assert.Equal(ExecutionStatus.Cancelled, (await api.Client.GetExecutionAsync(new GetExecutionRequest { Id = job.Id })).Execution.Status);
    }
}
