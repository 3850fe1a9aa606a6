using Grpc.Core;
using Grpc.Net.Client;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Search;

public sealed class SearchTests(PostgresFixture postgres)
{
    private static readonly (string Name, string Category, string Description, string[] Tags)[] Catalogue =
    [
        ("web_links_001", "web", "Download a web page and list every hyperlink on it", ["http", "scraping"]),
        ("image_resize_001", "image", "Resize photos so that none is wider than a maximum width", ["images"]),
        ("text_wordcount_001", "text", "Count how many words and sentences a document contains", ["nlp"]),
        ("math_addition_001", "math", "Add two numbers and return the sum", ["arithmetic"]),
        ("csv_merge_001", "data", "Merge several CSV spreadsheets into one table", ["csv"]),
        ("temp_convert_001", "units", "Convert temperatures between celsius and fahrenheit", ["units"]),
    ];

    private async Task<RegistryServer> WithCatalogueAsync()
    {
        var server = await RegistryServer.StartAsync(postgres);
        foreach (var (name, category, description, tags) in Catalogue)
        {
            var request = Scripts.Publish(name, "1.0.0", description, category: category);
            request.Tags.AddRange(tags);
            await server.Client.PublishAsync(request, server.Alice);
        }

        await server.EmbeddedAsync();
        return server;
    }

    [Theory]
    [InlineData("grab all the links from a website", "web_links_001")]
    [InlineData("shrink pictures", "image_resize_001")]
    [InlineData("tally the words in a text file", "text_wordcount_001")]
    [InlineData("combine spreadsheets", "csv_merge_001")]
    public async Task Hybrid_search_finds_a_script_from_a_paraphrase(string query, string expected)
    {
        await using var server = await WithCatalogueAsync();
        var response = await server.Client.SearchAsync(new SearchRequest { Query = query });

        Assert.Equal(SearchMode.Hybrid, response.Mode);
        Assert.Equal(expected, response.Hits[0].Script.Name);
        Assert.Contains(SearchSignal.Semantic, response.Hits[0].MatchedSignals);
        Assert.True(response.Hits[0].SemanticRank >= 1 && response.Hits[0].SemanticSimilarity > 0);
        Assert.Equal(response.Hits.OrderByDescending(h => h.Score).Select(h => h.Script.Name), response.Hits.Select(h => h.Script.Name));
    }

    [Fact]
    public async Task Full_text_mode_supports_websearch_syntax_and_reports_its_rank_and_score()
    {
        await using var server = await WithCatalogueAsync();
        var phrase = await server.Client.SearchAsync(new SearchRequest { Query = "\"web page\"", Mode = SearchMode.FullText });
        var hit = Assert.Single(phrase.Hits);
        Assert.Equal("web_links_001", hit.Script.Name);
        Assert.Equal([SearchSignal.FullText], hit.MatchedSignals);
        Assert.Equal((1, 0), (hit.FullTextRank, hit.SemanticRank));
        Assert.True(hit.FullTextScore > 0);

        var or = await server.Client.SearchAsync(new SearchRequest { Query = "celsius or photos", Mode = SearchMode.FullText });
        Assert.Equal(["image_resize_001", "temp_convert_001"], or.Hits.Select(h => h.Script.Name).Order());
        var excluded = await server.Client.SearchAsync(new SearchRequest { Query = "numbers -sum", Mode = SearchMode.FullText });
        Assert.Empty(excluded.Hits);
    }

    [Fact]
    public async Task Full_text_matches_tags_and_the_words_of_the_name()
    {
        await using var server = await WithCatalogueAsync();
        Assert.Equal("text_wordcount_001", (await server.Client.SearchAsync(new SearchRequest { Query = "nlp", Mode = SearchMode.FullText })).Hits.Single().Script.Name);
        Assert.Equal("csv_merge_001", (await server.Client.SearchAsync(new SearchRequest { Query = "merge", Mode = SearchMode.FullText })).Hits[0].Script.Name);
    }

    [Fact]
    public async Task Semantic_mode_uses_only_embeddings()
    {
        await using var server = await WithCatalogueAsync();
        var response = await server.Client.SearchAsync(new SearchRequest { Query = "fahrenheit", Mode = SearchMode.Semantic, Limit = 3 });
        Assert.Equal(SearchMode.Semantic, response.Mode);
        Assert.Equal("temp_convert_001", response.Hits[0].Script.Name);
        Assert.All(response.Hits, h => Assert.DoesNotContain(SearchSignal.FullText, h.MatchedSignals));
    }

    [Fact]
    public async Task The_exact_name_comes_first_with_its_own_signal()
    {
        await using var server = await WithCatalogueAsync();
        var response = await server.Client.SearchAsync(new SearchRequest { Query = "math_addition_001" });
        Assert.Equal("math_addition_001", response.Hits[0].Script.Name);
        Assert.Equal(SearchSignal.ExactName, response.Hits[0].MatchedSignals[0]);
    }

    [Fact]
    public async Task Category_and_tag_filters_restrict_the_hits()
    {
        await using var server = await WithCatalogueAsync();
        var byCategory = await server.Client.SearchAsync(new SearchRequest { Query = "convert numbers words", Category = "math" });
        Assert.All(byCategory.Hits, h => Assert.Equal("math", h.Script.Category));
        Assert.NotEmpty(byCategory.Hits);

        var byTag = await server.Client.SearchAsync(new SearchRequest { Query = "spreadsheet table", Tags = { "csv" } });
        Assert.Equal("csv_merge_001", byTag.Hits.Single().Script.Name);
        Assert.Empty((await server.Client.SearchAsync(new SearchRequest { Query = "spreadsheet table", Tags = { "nope" } })).Hits);
    }

    [Fact]
    public async Task Limit_caps_the_hits_and_bad_limits_or_categories_are_invalid()
    {
        await using var server = await WithCatalogueAsync();
        Assert.Equal(2, (await server.Client.SearchAsync(new SearchRequest { Query = "convert add count merge resize download", Limit = 2 })).Hits.Count);
        var negative = await Assert.ThrowsAsync<RpcException>(() => server.Client.SearchAsync(new SearchRequest { Query = "x", Limit = -1 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, negative.StatusCode);
        var category = await Assert.ThrowsAsync<RpcException>(() => server.Client.SearchAsync(new SearchRequest { Query = "x", Category = "../etc" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, category.StatusCode);
    }

    [Fact]
    public async Task A_second_replica_sees_new_scripts_through_the_database()
    {
        await using var first = await WithCatalogueAsync();
        var connectionString = first.ConnectionString;
        await using var second = await RegistryServer.StartAsync(postgres, connectionString: connectionString);
        Assert.Equal("image_resize_001", (await second.Client.SearchAsync(new SearchRequest { Query = "shrink pictures", Mode = SearchMode.Semantic })).Hits[0].Script.Name);
    }
}
