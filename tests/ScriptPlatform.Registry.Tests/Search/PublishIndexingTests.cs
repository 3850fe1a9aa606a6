using System.Diagnostics;
using Npgsql;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Tests.Grpc;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Search;

/// <summary>
/// Embedding runs after a publish commits (EmbeddingQueue), not inside the request: a published
/// script is findable by meaning within 2 s, and a process that dies between the commit and the
/// embedding loses nothing.
/// </summary>
public sealed class PublishIndexingTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Findable = TimeSpan.FromSeconds(2);

    /// <summary>Polls a semantic-only search until <paramref name="name"/> is the first hit; fails after <see cref="Findable"/>.</summary>
    private static async Task<TimeSpan> UntilFoundByMeaningAsync(RegistryServer server, string query, string name)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var hits = (await server.Client.SearchAsync(new SearchRequest { Query = query, Mode = SearchMode.Semantic, Limit = 3 })).Hits;
            if (hits.Count > 0 && hits[0].Script.Name == name)
            {
                return watch.Elapsed;
            }

            Assert.True(watch.Elapsed < Findable, $"'{name}' not found by meaning {watch.Elapsed.TotalSeconds:F2} s after its publish returned");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_published_script_is_found_by_meaning_within_two_seconds()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0", "Add two numbers and return the sum"), server.Alice);
        await server.EmbeddedAsync();

        await server.Client.PublishAsync(Scripts.Publish("image_resize_001", "1.0.0", "Resize photos so that none is wider than a maximum width", category: "image"), server.Alice);
        await UntilFoundByMeaningAsync(server, "make my pictures smaller", "image_resize_001");

        // A new version with another meaning replaces the vector just as fast.
        await server.Client.PublishAsync(Scripts.Publish("image_resize_001", "1.1.0", "Convert temperatures between celsius and fahrenheit", category: "image"), server.Alice);
        await UntilFoundByMeaningAsync(server, "how hot is 30 degrees in american units", "image_resize_001");
        Assert.Equal(2, await PublishTests.Count(server, "script_embeddings"));
    }

    [Fact]
    public async Task A_publish_whose_process_died_before_embedding_is_embedded_at_the_next_start()
    {
        var database = await postgres.CreateDatabaseAsync("registry");
        await using (var first = await RegistryServer.StartAsync(postgres, connectionString: database))
        {
            await first.Client.PublishAsync(Scripts.Publish("web_links_001", "1.0.0", "Download a web page and list every hyperlink on it", category: "web"), first.Alice);
            await first.EmbeddedAsync();
        }

        // What a crash right after the commit leaves: the script without a vector (the publish's
        // transaction drops the old one; the queue that would embed it died with the process).
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var delete = new NpgsqlCommand("DELETE FROM script_embeddings", connection);
            Assert.Equal(1, await delete.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
        }

        await using var second = await RegistryServer.StartAsync(postgres, connectionString: database);
        // Embedded during start-up, before the first request is served: no waiting.
        var hits = (await second.Client.SearchAsync(new SearchRequest { Query = "grab all the links from a site", Mode = SearchMode.Semantic })).Hits;
        Assert.Equal("web_links_001", hits[0].Script.Name);
        Assert.Equal(1, await PublishTests.Count(second, "script_embeddings"));
    }
}
