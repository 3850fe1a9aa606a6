using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Faults.Tests.Infrastructure;
using ScriptPlatform.LocalResources;

namespace ScriptPlatform.Faults.Tests;

/// <summary>The Registry process under load while its database stops, and while it is itself killed.</summary>
public sealed class RegistryFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Postgres_outage_under_publish_load_loses_no_acknowledged_publish_and_recovers_without_restart()
    {
        await using var infrastructure = await LocalInfrastructure.StartAsync(new LocalInfrastructureOptions { RabbitMq = false });
        var postgres = infrastructure.Postgres ?? throw new InvalidOperationException("the outage needs a Postgres started here (unset ConnectionStrings__postgres)");
        var database = await ExecutorBatchFaultTests.CreateDatabaseAsync(infrastructure.PostgresConnectionString!);
        await using var registry = await RegistryPlatform.StartAsync(database);

        var acknowledged = new ConcurrentBag<string>();
        var failures = new ConcurrentDictionary<StatusCode, int>();
        var failureMessages = new ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();
        TimeSpan? backAt = null;
        TimeSpan? firstSuccessAfter = null;
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, FaultSize.Clients).Select(c => Task.Run(async () =>
        {
            using var channel = PlatformGrpcClients.CreateChannel(registry.Process.Address);
            var client = new RegistryService.RegistryServiceClient(channel);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var name = $"pg_outage_c{c}_{i:D5}";
                try
                {
                    await client.PublishAsync(RegistryPlatform.Publish(name), registry.Publisher(CallDeadline));
                    acknowledged.Add(name);
                    if (backAt is { } back && clock.Elapsed > back)
                    {
                        lock (acknowledged)
                        {
                            firstSuccessAfter ??= clock.Elapsed - back;
                        }
                    }
                }
                catch (RpcException e)
                {
                    failures.AddOrUpdate(e.StatusCode, 1, (_, n) => n + 1);
                    failureMessages.AddOrUpdate($"{e.StatusCode}: {e.Status.Detail}", 1, (_, n) => n + 1);
                    await Task.Delay(100);
                }
            }
        })).ToList();

        // Under way first: every client has had publishes acknowledged (the first ones pay for JIT and cold pools).
        var warmUp = Stopwatch.StartNew();
        while (acknowledged.Count < 3 * FaultSize.Clients && warmUp.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(100);
        }

        var beforeOutage = acknowledged.Count;
        await postgres.StopAsync();
        var stoppedAt = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(10));
        await postgres.StartAgainAsync();
        backAt = clock.Elapsed;
        var downFor = backAt.Value - stoppedAt;
        // Load continues until the service has recovered by itself (or clearly has not).
        var waited = Stopwatch.StartNew();
        while (firstSuccessAfter is null && waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(250);
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        // Every acknowledged publish is there, read back through the (same, never restarted) service.
        using var reader = PlatformGrpcClients.CreateChannel(registry.Process.Address);
        var client = new RegistryService.RegistryServiceClient(reader);
        var lost = new List<string>();
        foreach (var name in acknowledged)
        {
            try
            {
                var loaded = await client.LoadAsync(new LoadRequest { Script = new ScriptRef { Name = name } }, deadline: DateTime.UtcNow + CallDeadline);
                if (loaded.Script.Name != name)
                {
                    lost.Add(name);
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                lost.Add(name);
            }
        }

        output.WriteLine($"[{FaultSize.Name}] {FaultSize.Clients} publishing clients; Postgres down {downFor.TotalSeconds:0.0} s");
        output.WriteLine($"acknowledged {acknowledged.Count} ({beforeOutage} before the outage), lost {lost.Count}; failed {failures.Values.Sum()}: " +
            string.Join(", ", failures.Select(f => $"{f.Key}={f.Value}")));
        foreach (var (message, count) in failureMessages)
        {
            output.WriteLine($"  {count} x {message}");
        }

        output.WriteLine($"first acknowledged publish {firstSuccessAfter?.TotalSeconds:0.0} s after Postgres was back (no service restart)");
        output.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

        Assert.Empty(lost);
        Assert.True(beforeOutage > 0, "no publish succeeded before the outage");
        Assert.True(failures.Values.Sum() > 0, "no publish failed while Postgres was down: the outage was not felt");
        // The rest got a clear, retryable status, and nothing else.
        Assert.Equal([StatusCode.Unavailable], failures.Keys.ToArray());
        Assert.NotNull(firstSuccessAfter);
        Assert.False(registry.Process.HasExited);
    }

    [Fact]
    public async Task Killed_registry_answers_unavailable_and_clients_succeed_on_retry_once_it_is_back()
    {
        await using var infrastructure = await LocalInfrastructure.StartAsync(new LocalInfrastructureOptions { RabbitMq = false });
        var database = await ExecutorBatchFaultTests.CreateDatabaseAsync(infrastructure.PostgresConnectionString!);
        await using var registry = await RegistryPlatform.StartAsync(database);
        using (var setup = PlatformGrpcClients.CreateChannel(registry.Process.Address))
        {
            var client = new RegistryService.RegistryServiceClient(setup);
            for (var i = 0; i < 10; i++)
            {
                await client.PublishAsync(RegistryPlatform.Publish($"kill_seed_{i}"), registry.Publisher(CallDeadline));
            }
        }

        var clock = Stopwatch.StartNew();
        TimeSpan? killedAt = null, backAt = null;
        var calls = 0;
        var succeeded = 0;
        var failures = new ConcurrentDictionary<StatusCode, int>();
        var firstSuccessAfterBack = new ConcurrentDictionary<int, TimeSpan>();
        var publishedAfterOutage = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, FaultSize.Clients).Select(c => Task.Run(async () =>
        {
            // Each client keeps one channel for the whole test, as a real client does: it must reconnect by itself.
            using var channel = PlatformGrpcClients.CreateChannel(registry.Process.Address);
            var client = new RegistryService.RegistryServiceClient(channel);
            string? unpublished = null;
            var retried = false;
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    Interlocked.Increment(ref calls);
                    if (c == 0)
                    {
                        // A write is never retried by the channel: the client retries it itself, once the service is back.
                        var name = unpublished ?? $"kill_pub_{i:D5}";
                        unpublished = name;
                        await client.PublishAsync(RegistryPlatform.Publish(name), registry.Publisher(CallDeadline));
                        unpublished = null;
                        retried = false;
                        if (killedAt is not null)
                        {
                            publishedAfterOutage.Add(name);
                        }
                    }
                    else if (i % 2 == 0)
                    {
                        await client.SearchAsync(new SearchRequest { Query = "counts records", Limit = 5 }, deadline: DateTime.UtcNow + CallDeadline);
                    }
                    else
                    {
                        await client.LoadAsync(new LoadRequest { Script = new ScriptRef { Name = $"kill_seed_{i % 10}" } }, deadline: DateTime.UtcNow + CallDeadline);
                    }

                    Interlocked.Increment(ref succeeded);
                    if (backAt is { } back)
                    {
                        firstSuccessAfterBack.TryAdd(c, clock.Elapsed - back);
                    }
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists && unpublished is not null && retried)
                {
                    // The kill came after the commit and before the answer: the retried write finds itself done.
                    publishedAfterOutage.Add(unpublished);
                    unpublished = null;
                }
                catch (RpcException e)
                {
                    failures.AddOrUpdate(e.StatusCode, 1, (_, n) => n + 1);
                    retried = unpublished is not null;
                    await Task.Delay(100);
                }
            }
        })).ToList();

        var warmUp = Stopwatch.StartNew();
        while (Volatile.Read(ref succeeded) < 5 * FaultSize.Clients && warmUp.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(100);
        }

        var failuresBefore = failures.Values.Sum();
        registry.Process.Kill();
        killedAt = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(5));
        var failedWhileDown = failures.Values.Sum();
        await registry.RestartAsync();
        backAt = clock.Elapsed;
        var waited = Stopwatch.StartNew();
        while (firstSuccessAfterBack.Count < FaultSize.Clients && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(250);
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);

        output.WriteLine($"[{FaultSize.Name}] {FaultSize.Clients} clients (1 publishing, the rest search/load), {calls} calls");
        output.WriteLine($"SIGKILL at {killedAt?.TotalSeconds:0.0} s; restarted on the same port after {(backAt - killedAt)?.TotalSeconds:0.0} s");
        output.WriteLine($"failures: before the kill {failuresBefore}, by status {string.Join(", ", failures.Select(f => $"{f.Key}={f.Value}"))}");
        output.WriteLine($"clients succeeding after the restart: {firstSuccessAfterBack.Count}/{FaultSize.Clients}, first success after " +
            $"{(firstSuccessAfterBack.IsEmpty ? "-" : $"{firstSuccessAfterBack.Values.Min().TotalSeconds:0.0}-{firstSuccessAfterBack.Values.Max().TotalSeconds:0.0}")} s");
        output.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

        Assert.Equal(0, failuresBefore);
        Assert.True(failedWhileDown > 0, "no call failed while the Registry was down");
        Assert.Equal([StatusCode.Unavailable], failures.Keys.ToArray());
        Assert.Equal(FaultSize.Clients, firstSuccessAfterBack.Count);
        Assert.NotEmpty(publishedAfterOutage);
    }
}
