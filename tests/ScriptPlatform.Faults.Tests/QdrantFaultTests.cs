using System.Diagnostics;
using System.Net;
using Grpc.Core;
using Npgsql;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Faults.Tests.Infrastructure;
using ScriptPlatform.LocalResources;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Faults.Tests;

/// <summary>
/// A Registry process whose vector store is Qdrant (the protocol double, which the real Qdrant.Client talks to)
/// under publish and search load from several clients, while Qdrant becomes unreachable (its port closed) and comes
/// back on the same port: first with its data, then empty, as a Qdrant restarted without its storage. The Registry
/// is never restarted.
/// </summary>
public sealed class QdrantFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(15);
    // Generous: finding what was published during the outage also waits for its embedding, which a loaded machine delays.
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Qdrant_unreachable_then_back_with_or_without_its_data_fails_searches_clearly_keeps_publishes_and_the_registry_recovers_by_itself()
    {
        await using var infrastructure = await LocalInfrastructure.StartAsync(new LocalInfrastructureOptions { RabbitMq = false });
        var database = await ExecutorBatchFaultTests.CreateDatabaseAsync(infrastructure.PostgresConnectionString!);
        await using var qdrant = await QdrantDouble.StartNewAsync();
        await using var registry = await RegistryPlatform.StartAsync(database, new Dictionary<string, string> { ["ConnectionStrings:qdrant"] = qdrant.ConnectionString });
        var load = MixedRegistryLoad.Start(registry, FaultSize.Clients, "qdrant_load");
        try
        {
            await load.WarmUpAsync(3 * FaultSize.Clients);
            output.WriteLine($"[{FaultSize.Name}] {FaultSize.Clients} clients (every third publishing, the rest searching); Qdrant down {FaultSize.QdrantOutage.TotalSeconds:0} s each time");

            // Each outage publishes a script whose meaning no other shares, and searches for it by meaning afterwards.
            await OutageAsync(qdrant, registry, load, database, loseData: false,
                new Meaning("birthday_greetings_translate", "Translate a birthday greeting into French, Spanish and German", "wish someone a happy birthday in other languages"));
            await OutageAsync(qdrant, registry, load, database, loseData: true,
                new Meaning("nightly_logs_archive", "Compress old log files into a zip archive every night", "shrink yesterday's server logs into an archive"));
            output.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            Assert.False(registry.Process.HasExited, "the Registry died:\n" + registry.Process.Log);
        }
        finally
        {
            await load.DisposeAsync();
        }
    }

    private sealed record Meaning(string Name, string Description, string Query);

    private async Task OutageAsync(QdrantDouble qdrant, RegistryPlatform registry, MixedRegistryLoad load, string database, bool loseData, Meaning meaning)
    {
        var what = loseData ? "back empty (data lost)" : "back with its data";
        var clock = load.Clock;
        await qdrant.StopAsync();
        var downAt = clock.Elapsed;
        if (loseData)
        {
            qdrant.LoseData();
        }

        // While it is down: readiness is watched, and one publish with a meaning of its own is acknowledged.
        var readiness = new List<(TimeSpan At, HttpStatusCode? Status)>();
        using var channel = PlatformGrpcClients.CreateChannel(registry.Process.Address);
        var client = new RegistryService.RegistryServiceClient(channel);
        var special = $"{meaning.Name}_{(loseData ? 2 : 1):D3}";
        var publishedSpecial = false;
        while (clock.Elapsed - downAt < FaultSize.QdrantOutage)
        {
            readiness.Add((clock.Elapsed, await registry.Process.HealthAsync()));
            if (!publishedSpecial && clock.Elapsed - downAt > FaultSize.QdrantOutage / 3)
            {
                await client.PublishAsync(RegistryPlatform.Publish(special, meaning.Description), registry.Publisher(CallDeadline));
                publishedSpecial = true;
            }

            await Task.Delay(250);
        }

        var upAt = clock.Elapsed;
        await qdrant.StartAsync();
        var unembedded = await UnembeddedAsync(database);

        // Back: how long until ready, until the outage's script is found by meaning, until Qdrant holds every acknowledged publish.
        var ready = await MeasureAsync(clock, upAt, async () => await registry.Process.HealthAsync() == HttpStatusCode.OK, "readiness");
        var found = await MeasureAsync(clock, upAt, async () =>
        {
            try
            {
                var hits = await client.SearchAsync(new SearchRequest { Query = meaning.Query, Mode = SearchMode.Semantic, Limit = 3 }, deadline: DateTime.UtcNow + CallDeadline);
                return hits.Hits.Count > 0 && hits.Hits[0].Script.Name == special;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false;
            }
        }, $"a search by meaning to find {special}");
        var acknowledgedBeforeUp = load.Calls.Where(c => c is { Kind: MixedRegistryLoad.Kind.Publish, Status: StatusCode.OK } && c.Ended <= upAt).Select(c => c.Published!).Append(special).ToList();
        var ids = await ScriptIdsAsync(database, acknowledgedBeforeUp);
        var points = qdrant.Collections["registry_scripts"].Points;
        var synced = await MeasureAsync(clock, upAt, () => Task.FromResult(ids.Values.All(id => points.ContainsKey((ulong)id))), "Qdrant to hold every acknowledged publish");
        // A few more seconds of load after recovery: every search must succeed.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var recoveredAt = upAt + ready;
        var settled = clock.Elapsed;

        var outage = load.Within(downAt, upAt);
        var outageSearches = outage.Where(c => c.Kind == MixedRegistryLoad.Kind.Search).ToList();
        var publishedDuringOutage = outage.Where(c => c is { Kind: MixedRegistryLoad.Kind.Publish, Status: StatusCode.OK }).Select(c => c.Published!).Append(special).ToList();
        var after = load.Within(recoveredAt, settled);
        var notReady = readiness.Where(r => r.Status != HttpStatusCode.OK).ToList();
        var firstNotReady = notReady.Count == 0 ? (TimeSpan?)null : notReady[0].At - downAt;
        output.WriteLine($"Qdrant down at {downAt.TotalSeconds:0.0} s for {(upAt - downAt).TotalSeconds:0.0} s, {what}:");
        output.WriteLine($"  during the outage: {MixedRegistryLoad.Summary(outage)}; slowest failed search {(outageSearches.Count == 0 ? 0 : outageSearches.Max(c => (c.Ended - c.Started).TotalSeconds)):0.00} s");
        foreach (var detail in outageSearches.Where(c => c.Status != StatusCode.OK).Select(c => $"{c.Status}: {c.Detail}").Distinct().Take(3))
        {
            output.WriteLine($"    {detail}");
        }

        output.WriteLine($"  readiness: not ready {notReady.Count}/{readiness.Count} checks, first {firstNotReady?.TotalSeconds:0.0} s after the stop ({string.Join(", ", notReady.Select(r => r.Status?.ToString() ?? "no answer").Distinct())})");
        output.WriteLine($"  recovery after Qdrant was back: ready in {ready.TotalSeconds:0.0} s, {special} found by meaning in {found.TotalSeconds:0.0} s, " +
            $"all {ids.Count} acknowledged publishes in Qdrant in {synced.TotalSeconds:0.0} s (no Registry restart; {unembedded} scripts were still waiting for their embedding when Qdrant came back)");
        output.WriteLine($"  after recovery: {MixedRegistryLoad.Summary(after)}");

        Assert.NotEmpty(outageSearches);
        // Never an empty success: every search while Qdrant was down failed, as UNAVAILABLE naming Qdrant.
        Assert.All(outageSearches, c => Assert.True(c.Status == StatusCode.Unavailable && c.Detail.Contains("qdrant", StringComparison.Ordinal), $"a search during the outage answered {c.Status} \"{c.Detail}\""));
        // Publishing does not need Qdrant: none failed, and each acknowledged one is in Postgres.
        Assert.DoesNotContain(load.Within(downAt, settled), c => c.Kind == MixedRegistryLoad.Kind.Publish && c.Status != StatusCode.OK);
        Assert.Equal(publishedDuringOutage.Count, (await ScriptIdsAsync(database, publishedDuringOutage)).Count);
        Assert.True(publishedDuringOutage.Count > 1, "nothing but the outage's own script was published during the outage");
        Assert.NotNull(firstNotReady);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness[^1].Status);
        Assert.NotEmpty(after);
        Assert.All(after, c => Assert.True(c.Status == StatusCode.OK, $"a {c.Kind} after recovery answered {c.Status} \"{c.Detail}\""));
    }

    /// <summary>How long after <paramref name="from"/> the condition first held; fails after <see cref="RecoveryLimit"/>.</summary>
    private static async Task<TimeSpan> MeasureAsync(Stopwatch clock, TimeSpan from, Func<Task<bool>> condition, string what)
    {
        while (!await condition())
        {
            Assert.True(clock.Elapsed - from < RecoveryLimit, $"no recovery: waited {RecoveryLimit.TotalSeconds:0} s for {what}");
            await Task.Delay(100);
        }

        return clock.Elapsed - from;
    }

    /// <summary>Scripts whose vector the Registry has not written yet (its embedding queue's backlog).</summary>
    private static async Task<long> UnembeddedAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM scripts s WHERE NOT EXISTS (SELECT 1 FROM script_embeddings e WHERE e.script_id = s.id)", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<Dictionary<string, long>> ScriptIdsAsync(string database, IReadOnlyList<string> names)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT name, id FROM scripts WHERE name = ANY(@names)", connection);
        command.Parameters.AddWithValue("names", names.ToArray());
        var ids = new Dictionary<string, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids[reader.GetString(0)] = reader.GetInt64(1);
        }

        return ids;
    }
}
