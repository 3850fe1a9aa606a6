using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Search;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Search;

/// <summary>The Registry with <c>ConnectionStrings__qdrant</c>: the real Qdrant.Client against <see cref="QdrantDouble"/>.</summary>
// Alone, after the parallel tests: these stop and start a Qdrant under a running Registry and set the
// synchroniser's (static) poll interval, which must not leak into tests running beside them.
[Collection(QdrantCollection.Name)]
public sealed class QdrantSearchTests(PostgresFixture postgres)
{
    private static async Task<RegistryServer> StartAsync(PostgresFixture postgres, QdrantDouble qdrant, string? connectionString = null) =>
        await RegistryServer.StartAsync(postgres, new() { ["ConnectionStrings:qdrant"] = qdrant.ConnectionString }, connectionString: connectionString);

    private static async Task<HealthStatus> VectorStoreHealthAsync(RegistryServer server) =>
        (await server.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == "vector-store")).Status;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Published_scripts_live_in_qdrant_with_their_payload_and_are_found_by_meaning()
    {
        await using var qdrant = await QdrantDouble.StartNewAsync();
        await using var server = await StartAsync(postgres, qdrant);
        var publish = Scripts.Publish("image_resize_001", "1.0.0", "Resize photos so that none is wider than a maximum width", category: "image");
        publish.Tags.Add("images");
        await server.Client.PublishAsync(publish, server.Alice);
        await server.Client.PublishAsync(Scripts.Publish("temp_convert_001", "1.0.0", "Convert temperatures between celsius and fahrenheit", category: "units"), server.Alice);
        await server.EmbeddedAsync();

        var points = qdrant.Collections["registry_scripts"].Points;
        Assert.Equal(2, points.Count);
        Assert.Contains(points.Values, p => p.Vector.Length == 384 && p.Payload["category"].StringValue == "image" && p.Payload["tags"].ListValue.Values.Single().StringValue == "images");
        var hits = await server.Client.SearchAsync(new SearchRequest { Query = "make my pictures smaller", Mode = SearchMode.Semantic });
        Assert.Equal("image_resize_001", hits.Hits[0].Script.Name);
        Assert.Contains("qdrant.Points/Query", qdrant.Calls);

        // Filters run inside Qdrant, deprecation and deletion reach it.
        foreach (var (category, expected) in new[] { ("units", "temp_convert_001"), ("image", "image_resize_001") })
        {
            var filtered = await server.Client.SearchAsync(new SearchRequest { Query = "convert the temperature of photos", Mode = SearchMode.Semantic, Category = category, Limit = 5 });
            Assert.Equal([expected], filtered.Hits.Select(h => h.Script.Name));
        }
        await server.Client.RemoveAsync(new RemoveRequest { Name = "image_resize_001", Mode = RemoveMode.Deprecate, Reason = "old" }, server.Alice);
        Assert.True(points.Values.Single(p => p.Payload["category"].StringValue == "image").Payload["deprecated"].BoolValue);
        await server.Client.RemoveAsync(new RemoveRequest { Name = "temp_convert_001", Mode = RemoveMode.DeleteScript, Reason = "gone" }, server.Alice);
        Assert.Single(points);
    }

    [Fact]
    public async Task Qdrant_down_is_unready_and_unavailable_then_recovers_by_itself_with_writes_made_meanwhile()
    {
        VectorStoreSynchronizer.PollInterval = TimeSpan.FromMilliseconds(500);
        await using var qdrant = await QdrantDouble.StartNewAsync();
        await using var server = await StartAsync(postgres, qdrant);
        Assert.Equal(HealthStatus.Healthy, await VectorStoreHealthAsync(server));

        await qdrant.StopAsync();
        // A write still succeeds (Postgres holds the vector of record) and marks the store out of sync.
        await server.Client.PublishAsync(Scripts.Publish("csv_merge_001", "1.0.0", "Merge several CSV spreadsheets into one table", category: "data"), server.Alice);
        await server.EmbeddedAsync();
        // Repeated: the full-text query runs on the same connection while Qdrant fails, and a failure that
        // disposed the connection under it once hung the call for ever (now a deadline would catch it).
        for (var i = 0; i < 20; i++)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.SearchAsync(
                new SearchRequest { Query = "combine spreadsheets" }, deadline: DateTime.UtcNow.AddSeconds(15)).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, e.StatusCode);
            Assert.Contains("qdrant", e.Status.Detail);
            Assert.Contains("FULL_TEXT", e.Status.Detail);
        }
        Assert.Equal(HealthStatus.Unhealthy, await VectorStoreHealthAsync(server));
        Assert.Equal("csv_merge_001", (await server.Client.SearchAsync(new SearchRequest { Query = "spreadsheets", Mode = SearchMode.FullText })).Hits.Single().Script.Name);

        await qdrant.StartAsync();
        await WaitUntilAsync(async () => await VectorStoreHealthAsync(server) == HealthStatus.Healthy, TimeSpan.FromSeconds(30));
        Assert.Equal("csv_merge_001", (await server.Client.SearchAsync(new SearchRequest { Query = "combine spreadsheets", Mode = SearchMode.Semantic })).Hits[0].Script.Name);
    }

    [Fact]
    public async Task Qdrant_down_and_back_empty_while_nothing_is_written_is_noticed_and_the_registry_recreates_and_resyncs_it()
    {
        VectorStoreSynchronizer.PollInterval = TimeSpan.FromMilliseconds(500);
        await using var qdrant = await QdrantDouble.StartNewAsync();
        await using var server = await StartAsync(postgres, qdrant);
        await server.Client.PublishAsync(Scripts.Publish("pdf_pages_001", "1.0.0", "Split a PDF document into one file per page", category: "documents"), server.Alice);
        await server.EmbeddedAsync();
        await WaitUntilAsync(async () => await VectorStoreHealthAsync(server) == HealthStatus.Healthy, TimeSpan.FromSeconds(30));

        // No write fails to tell the Registry: its poll must notice the outage by itself.
        await qdrant.StopAsync();
        await WaitUntilAsync(async () => await VectorStoreHealthAsync(server) == HealthStatus.Unhealthy, TimeSpan.FromSeconds(30));

        // Back without its storage (as a fresh Qdrant): the collection is gone, and no write comes to fail on it.
        qdrant.LoseData();
        await qdrant.StartAsync();
        await WaitUntilAsync(async () => await VectorStoreHealthAsync(server) == HealthStatus.Healthy, TimeSpan.FromSeconds(30));
        Assert.Single(qdrant.Collections["registry_scripts"].Points);
        Assert.Equal("pdf_pages_001", (await server.Client.SearchAsync(new SearchRequest { Query = "break a pdf into separate pages", Mode = SearchMode.Semantic })).Hits[0].Script.Name);

        // Restarted empty between two polls, with no outage seen: the lost collection is noticed all the same.
        qdrant.LoseData();
        await WaitUntilAsync(async () => qdrant.Collections.ContainsKey("registry_scripts") && qdrant.Collections["registry_scripts"].Points.Count == 1, TimeSpan.FromSeconds(30));
        Assert.Equal("pdf_pages_001", (await server.Client.SearchAsync(new SearchRequest { Query = "break a pdf into separate pages", Mode = SearchMode.Semantic })).Hits[0].Script.Name);
    }

    [Fact]
    public async Task Qdrant_unreachable_at_start_still_starts_the_registry_unready_and_it_syncs_when_qdrant_appears()
    {
        VectorStoreSynchronizer.PollInterval = TimeSpan.FromMilliseconds(500);
        await using var qdrant = await QdrantDouble.StartNewAsync();
        var database = await postgres.CreateDatabaseAsync("registry");
        await using (var first = await StartAsync(postgres, qdrant, database))
        {
            await first.Client.PublishAsync(Scripts.Publish("web_links_001", "1.0.0", "Download a web page and list every hyperlink on it", category: "web"), first.Alice);
        }

        qdrant.Collections["registry_scripts"].Points.Clear();
        await qdrant.StopAsync();
        await using var server = await StartAsync(postgres, qdrant, database);
        Assert.Equal(HealthStatus.Unhealthy, await VectorStoreHealthAsync(server));
        await qdrant.StartAsync();
        await WaitUntilAsync(async () => await VectorStoreHealthAsync(server) == HealthStatus.Healthy, TimeSpan.FromSeconds(30));
        Assert.Single(qdrant.Collections["registry_scripts"].Points);
        Assert.Equal("web_links_001", (await server.Client.SearchAsync(new SearchRequest { Query = "grab all the links from a site", Mode = SearchMode.Semantic })).Hits[0].Script.Name);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class QdrantCollection
{
    public const string Name = "qdrant";
}
