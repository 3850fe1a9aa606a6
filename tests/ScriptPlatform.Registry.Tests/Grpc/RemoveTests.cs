using Grpc.Core;
using Grpc.Net.Client;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Grpc;

public sealed class RemoveTests(PostgresFixture postgres)
{
    private async Task<RegistryServer> WithScriptAsync(params string[] versions)
    {
        var server = await RegistryServer.StartAsync(postgres);
        foreach (var v in versions)
        {
            await server.Client.PublishAsync(Scripts.Publish("image_resize_001", v, "Resizes photos to a maximum width", category: "image"), server.Alice);
        }

        return server;
    }

    [Fact]
    public async Task Deprecating_keeps_the_script_loadable_but_out_of_default_search()
    {
        await using var server = await WithScriptAsync("1.0.0");
        var removed = await server.Client.RemoveAsync(new RemoveRequest { Name = "image_resize_001", Mode = RemoveMode.Deprecate, Reason = "use image_resize_002" }, server.Alice);
        Assert.Equal("1.0.0", removed.LatestVersion);
        Assert.Equal(0, removed.VersionsDeleted);

        var loaded = await server.Client.LoadAsync(new LoadRequest { Script = new ScriptRef { Name = "image_resize_001" } });
        Assert.True(loaded.Script.Deprecated);
        Assert.Equal("use image_resize_002", loaded.Script.DeprecationReason);
        Assert.Empty((await server.Client.SearchAsync(new SearchRequest { Query = "resize photos" })).Hits);
        Assert.Single((await server.Client.SearchAsync(new SearchRequest { Query = "resize photos", IncludeDeprecated = true })).Hits);
    }

    [Fact]
    public async Task Deprecating_without_a_reason_is_invalid_argument()
    {
        await using var server = await WithScriptAsync("1.0.0");
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.RemoveAsync(new RemoveRequest { Name = "image_resize_001", Mode = RemoveMode.Deprecate }, server.Alice).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("needs a reason", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_the_latest_version_makes_the_next_highest_latest()
    {
        await using var server = await WithScriptAsync("1.0.0", "1.1.0", "2.0.0");
        var removed = await server.Client.RemoveAsync(new RemoveRequest { Name = "image_resize_001", Mode = RemoveMode.DeleteVersion, Version = "2.0.0" }, server.Alice);

        Assert.Equal(1, removed.VersionsDeleted);
        Assert.Equal("1.1.0", removed.LatestVersion);
        var loaded = await server.Client.LoadAsync(new LoadRequest { Script = new ScriptRef { Name = "image_resize_001" } });
        Assert.Equal("1.1.0", loaded.Version.Version);
        Assert.True(loaded.Version.IsLatest);
    }

    [Fact]
    public async Task Deleting_an_unknown_version_is_not_found()
    {
        await using var server = await WithScriptAsync("1.0.0");
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.RemoveAsync(new RemoveRequest { Name = "image_resize_001", Mode = RemoveMode.DeleteVersion, Version = "9.9.9" }, server.Alice).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Contains("available: 1.0.0", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_the_whole_script_removes_versions_links_and_search_hits()
    {
        await using var server = await WithScriptAsync("1.0.0", "1.0.1");
        await server.Client.LinkAgentToolAsync(new LinkAgentToolRequest { AgentId = "agent-1", ScriptName = "image_resize_001" }, server.Alice);
        var removed = await server.Client.RemoveAsync(new RemoveRequest { Name = "image_resize_001", Mode = RemoveMode.DeleteScript, Reason = "obsolete" }, server.Alice);

        Assert.Equal(2, removed.VersionsDeleted);
        Assert.Equal("", removed.LatestVersion);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.LoadAsync(new LoadRequest { Script = new ScriptRef { Name = "image_resize_001" } }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Empty((await server.Client.SearchAsync(new SearchRequest { Query = "resize photos", IncludeDeprecated = true })).Hits);
        Assert.Empty((await server.Client.ListAgentToolsAsync(new ListAgentToolsRequest { AgentId = "agent-1" })).Tools);
        Assert.Equal(0, await PublishTests.Count(server, "script_versions"));
        Assert.Equal(0, await PublishTests.Count(server, "script_embeddings"));
    }

    [Fact]
    public async Task Removing_another_owners_script_is_permission_denied_and_changes_nothing()
    {
        await using var server = await WithScriptAsync("1.0.0");
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.RemoveAsync(new RemoveRequest { Name = "image_resize_001", Mode = RemoveMode.DeleteScript }, server.Bob).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal(1, await PublishTests.Count(server, "script_versions"));

        await server.Client.RemoveAsync(new RemoveRequest { Name = "image_resize_001", Mode = RemoveMode.DeleteScript }, server.Admin);
        Assert.Equal(0, await PublishTests.Count(server, "scripts"));
    }

    [Fact]
    public async Task Remove_without_a_mode_or_of_an_unknown_script_fails_clearly()
    {
        await using var server = await WithScriptAsync("1.0.0");
        var noMode = await Assert.ThrowsAsync<RpcException>(() => server.Client.RemoveAsync(new RemoveRequest { Name = "image_resize_001" }, server.Alice).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noMode.StatusCode);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => server.Client.RemoveAsync(new RemoveRequest { Name = "nope", Mode = RemoveMode.DeleteScript }, server.Alice).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }
}
