using System.Diagnostics;
using ScriptPlatform.Faults.Tests.Infrastructure;
using ScriptPlatform.LocalResources;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Faults.Tests;

/// <summary>
/// A batch through an Executor API process and two worker processes survives a worker killed with SIGKILL at ~30%
/// and a RabbitMQ restart at ~60%: every job recorded exactly once, none lost, the batch completes.
/// </summary>
public sealed class ExecutorBatchFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Batch_survives_a_killed_worker_and_a_broker_restart()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "the sandbox starts each slot as its own host uid: the fault tests run as root");
        await using var infrastructure = await LocalInfrastructure.StartAsync();
        var rabbit = infrastructure.RabbitMq ?? throw new InvalidOperationException("the broker restart needs a RabbitMQ started here (unset ConnectionStrings__rabbitmq)");
        var database = await CreateDatabaseAsync(infrastructure.PostgresConnectionString!);
        var prefix = "faults" + Guid.NewGuid().ToString("N")[..8];
        var rabbitUri = infrastructure.RabbitMqConnectionString!;
        var services = new List<ServiceProcess>();
        try
        {
            var api = await ServiceProcess.StartAsync("api", "ScriptPlatform.Executor",
                ExecutorBatch.Settings(database, rabbitUri, prefix, "Api", "api", 64500), ServiceProcess.FreePort());
            services.Add(api);
            var doomed = await ServiceProcess.StartAsync("worker-killed", "ScriptPlatform.Executor",
                ExecutorBatch.Settings(database, rabbitUri, prefix, "Worker", "worker-killed", 64510), ServiceProcess.FreePort());
            services.Add(doomed);
            var survivor = await ServiceProcess.StartAsync("worker-survivor", "ScriptPlatform.Executor",
                ExecutorBatch.Settings(database, rabbitUri, prefix, "Worker", "worker-survivor", 64520), ServiceProcess.FreePort());
            services.Add(survivor);

            var clock = Stopwatch.StartNew();
            var batch = await ExecutorBatch.SubmitAsync(api.Address, database, FaultSize.BatchJobs);
            output.WriteLine($"[{FaultSize.Name}] submitted {batch.Jobs} jobs in {clock.Elapsed.TotalSeconds:0.0} s");

            await ExecutorBatch.WaitUntilAsync(async () => await batch.FinishedAsync() >= batch.Jobs * 3 / 10, "30% of the batch", services);
            var killedAt = await batch.FinishedAsync();
            doomed.Kill();
            output.WriteLine($"SIGKILL worker-killed at {killedAt}/{batch.Jobs} finished ({clock.Elapsed.TotalSeconds:0.0} s)");

            await ExecutorBatch.WaitUntilAsync(async () => await batch.FinishedAsync() >= batch.Jobs * 6 / 10, "60% of the batch", services);
            var restartedAt = await batch.FinishedAsync();
            var outage = Stopwatch.StartNew();
            await rabbit.StopAsync();
            await rabbit.StartAgainAsync();
            var brokerDown = outage.Elapsed;
            output.WriteLine($"RabbitMQ restarted at {restartedAt}/{batch.Jobs} finished: down {brokerDown.TotalSeconds:0.0} s");
            var before = await batch.FinishedAsync();
            if (before < batch.Jobs)
            {
                await ExecutorBatch.WaitUntilAsync(async () => await batch.FinishedAsync() > before, "a job finished after the broker restart", services);
                output.WriteLine($"first job recorded {outage.Elapsed.TotalSeconds - brokerDown.TotalSeconds:0.0} s after the broker was back ({before} finished then)");
            }
            else
            {
                // A slow (loaded) broker stop lets the worker drain the queue before the node goes down.
                output.WriteLine("every job had finished before the broker was back: its stop outlasted the batch (a larger size exercises the recovery)");
            }

            await ExecutorBatch.WaitUntilAsync(batch.CompletedAsync, "the batch to complete", services);
            var audit = await batch.AuditAsync();
            output.WriteLine($"batch complete in {clock.Elapsed.TotalSeconds:0.0} s: {audit}");
            output.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            audit.AssertEveryJobRecordedOnceBy("worker-killed", "worker-survivor");
            Assert.True(survivor.HasExited is false && api.HasExited is false, "a service died during the faults:\n" + survivor.Log + api.Log);
        }
        finally
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }
        }
    }

    internal static async Task<string> CreateDatabaseAsync(string server)
    {
        var name = "faults_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new Npgsql.NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }
}
