using System.Diagnostics;
using Npgsql;
using ScriptPlatform.Faults.Tests.Infrastructure;
using ScriptPlatform.LocalResources;

namespace ScriptPlatform.Faults.Tests;

/// <summary>
/// Two Executor workers on two test hosts (network namespaces with their own addresses) share one queue from a
/// RabbitMQ and a Postgres on a third (the root namespace); losing one host mid-batch loses no job.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_hosts_share_a_batch_and_losing_one_loses_no_job()
    {
        var unavailable = TestHosts.Unavailable();
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        using var hosts = new TestHosts();
        var hostA = hosts.Add("a", 0);
        var hostB = hosts.Add("b", 1);
        // The servers listen on the test hosts' links too (not only loopback): they must exist first.
        await using var infrastructure = await LocalInfrastructure.StartAsync(new LocalInfrastructureOptions
        {
            PostgresOptions = new LocalPostgresOptions { ExtraListenAddresses = [hostA.RootAddress, hostB.RootAddress] },
            RabbitMqOptions = new LocalRabbitMqOptions { ListenOnAllAddresses = true },
        });
        var postgres = infrastructure.Postgres ?? throw new InvalidOperationException("the scale-out test starts its own Postgres (unset ConnectionStrings__postgres)");
        var rabbit = infrastructure.RabbitMq ?? throw new InvalidOperationException("the scale-out test starts its own RabbitMQ (unset ConnectionStrings__rabbitmq)");
        var database = await ExecutorBatchFaultTests.CreateDatabaseAsync(infrastructure.PostgresConnectionString!);
        var databaseName = new NpgsqlConnectionStringBuilder(database).Database!;
        var prefix = "scaleout" + Guid.NewGuid().ToString("N")[..8];
        var services = new List<ServiceProcess>();
        try
        {
            var api = await ServiceProcess.StartAsync("api", "ScriptPlatform.Executor",
                ExecutorBatch.Settings(database, rabbit.ConnectionString, prefix, "Api", "api", 64530), ServiceProcess.FreePort());
            services.Add(api);
            var workerA = await StartWorkerAsync(hostA, "host-a", 64540);
            services.Add(workerA);
            var workerB = await StartWorkerAsync(hostB, "host-b", 64550);
            services.Add(workerB);

            var clock = Stopwatch.StartNew();
            var batch = await ExecutorBatch.SubmitAsync(api.Address, database, FaultSize.ScaleOutJobs);
            await ExecutorBatch.WaitUntilAsync(
                async () => await batch.FinishedByAsync("host-a") > 0 && await batch.FinishedByAsync("host-b") > 0 && await batch.FinishedAsync() >= batch.Jobs * 3 / 10,
                "both hosts to record jobs and 30% of the batch", services);
            var lostAt = await batch.FinishedAsync();
            // The host is lost: its link goes first (nothing it has in flight is ever answered), then its worker.
            TestHosts.Unplug(hostA);
            workerA.Kill();
            var lost = Stopwatch.StartNew();
            output.WriteLine($"[{FaultSize.Name}] host-a unplugged and its worker killed at {lostAt}/{batch.Jobs} finished ({clock.Elapsed.TotalSeconds:0.0} s)");

            await ExecutorBatch.WaitUntilAsync(batch.CompletedAsync, "the batch to complete after losing host-a", services);
            var audit = await batch.AuditAsync();
            output.WriteLine($"batch complete {lost.Elapsed.TotalSeconds:0.0} s after losing host-a ({clock.Elapsed.TotalSeconds:0.0} s in all): {audit}");
            output.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            audit.AssertEveryJobRecordedOnceBy("host-a", "host-b");
        }
        finally
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }
        }

        // A worker on another host reaches the servers by the address of its link, never through loopback.
        Task<ServiceProcess> StartWorkerAsync(TestHost host, string id, int baseUid)
        {
            var remoteDatabase = new NpgsqlConnectionStringBuilder(postgres.ConnectionStringFor(databaseName)) { Host = host.RootAddress }.ConnectionString;
            return ServiceProcess.StartAsync(id, "ScriptPlatform.Executor",
                ExecutorBatch.Settings(remoteDatabase, rabbit.ConnectionStringFor(host.RootAddress), prefix, "Worker", id, baseUid),
                ServiceProcess.FreePort(), host.Address, host.Namespace);
        }
    }
}
