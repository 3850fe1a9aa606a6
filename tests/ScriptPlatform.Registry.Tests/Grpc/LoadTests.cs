using Grpc.Core;
using Grpc.Net.Client;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Grpc;

public sealed class LoadTests(PostgresFixture postgres)
{
    private static LoadRequest Load(string name, string selector = "", string hash = "") =>
        new() { Script = new ScriptRef { Name = name, VersionSelector = selector }, ExpectedContentHash = hash };

    private async Task<RegistryServer> WithVersionsAsync(params string[] versions)
    {
        var server = await RegistryServer.StartAsync(postgres);
        foreach (var v in versions)
        {
            await server.Client.PublishAsync(Scripts.Publish("text_words_001", v, "Counts words " + v, category: "text"), server.Alice);
        }

        return server;
    }

    [Theory]
    [InlineData("", "2.0.0")]
    [InlineData("latest", "2.0.0")]
    [InlineData("1.2.0", "1.2.0")]
    [InlineData("^1.0", "1.4.1")]
    [InlineData("~1.2.0", "1.2.3")]
    [InlineData(">=1.0.0 <1.3.0", "1.2.3")]
    public async Task Load_resolves_latest_exact_and_ranges(string selector, string expected)
    {
        await using var server = await WithVersionsAsync("1.0.0", "1.2.0", "1.2.3", "1.4.1", "2.0.0");
        var loaded = await server.Client.LoadAsync(Load("text_words_001", selector));
        Assert.Equal(expected, loaded.Version.Version);
        Assert.Contains("Counts words " + expected, loaded.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_of_an_unknown_script_is_not_found()
    {
        await using var server = await WithVersionsAsync("1.0.0");
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.LoadAsync(Load("no_such_script")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Contains("'no_such_script' is not in the registry", e.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3.0.0", "has no version 3.0.0; available: 1.2.0, 1.0.0")]
    [InlineData("^2", "no version of 'text_words_001' satisfies '^2'")]
    public async Task Load_of_an_unknown_version_is_not_found_and_lists_what_exists(string selector, string message)
    {
        await using var server = await WithVersionsAsync("1.0.0", "1.2.0");
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.LoadAsync(Load("text_words_001", selector)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Contains(message, e.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.2")]
    [InlineData("^")]
    [InlineData("banana")]
    public async Task Load_with_an_invalid_selector_is_invalid_argument(string selector)
    {
        await using var server = await WithVersionsAsync("1.0.0");
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.LoadAsync(Load("text_words_001", selector == "1.2" ? ">=1.2" : selector)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("version selector", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_with_a_pinned_hash_that_differs_is_failed_precondition()
    {
        await using var server = await WithVersionsAsync("1.0.0", "1.1.0");
        var v1 = await server.Client.LoadAsync(Load("text_words_001", "1.0.0"));
        var pinned = await server.Client.LoadAsync(Load("text_words_001", "1.0.0", v1.Version.ContentHash));
        Assert.Equal("1.0.0", pinned.Version.Version);

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.LoadAsync(Load("text_words_001", "", v1.Version.ContentHash)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Contains("not the pinned " + v1.Version.ContentHash, e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_with_a_malformed_pinned_hash_is_invalid_argument()
    {
        await using var server = await WithVersionsAsync("1.0.0");
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.LoadAsync(Load("text_words_001", "", "ABC")).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task List_versions_pages_newest_first()
    {
        await using var server = await WithVersionsAsync("1.0.0", "1.0.1", "1.1.0-beta.1", "1.1.0", "2.0.0");
        var first = await server.Client.ListVersionsAsync(new ListVersionsRequest { Name = "text_words_001", Page = new PageRequest { PageSize = 3 } });
        var second = await server.Client.ListVersionsAsync(new ListVersionsRequest { Name = "text_words_001", Page = new PageRequest { PageSize = 3, PageToken = first.Page.NextPageToken } });

        Assert.Equal(["2.0.0", "1.1.0", "1.1.0-beta.1"], first.Versions.Select(v => v.Version));
        Assert.Equal(["1.0.1", "1.0.0"], second.Versions.Select(v => v.Version));
        Assert.Equal(5, first.Page.TotalSize);
        Assert.Equal("", second.Page.NextPageToken);
    }

    [Fact]
    public async Task Help_for_a_script_shows_its_params_and_an_example_call()
    {
        await using var server = await WithVersionsAsync("1.0.0");
        var help = await server.Client.HelpAsync(new HelpRequest { Name = "text_words_001" });
        Assert.Equal("{\"a\": 1, \"b\": 0}", help.ExampleParamsJson);
        Assert.Contains("`a` (integer, required): first operand", help.Text, StringComparison.Ordinal);
        Assert.Contains("sp run text_words_001 --params '{\"a\": 1, \"b\": 0}'", help.Examples);

        var general = await server.Client.HelpAsync(new HelpRequest { Topic = "publish" });
        Assert.Contains("semver", general.Text, StringComparison.Ordinal);
    }
}
