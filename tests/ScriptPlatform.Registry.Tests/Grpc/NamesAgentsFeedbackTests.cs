using Grpc.Core;
using Grpc.Net.Client;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Grpc;

public sealed class NamesAgentsFeedbackTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Next_name_counts_from_the_highest_number_ever_used_and_never_reuses_after_a_delete()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var preview = await server.Client.NextNameAsync(new NextNameRequest { Category = "math", Task = "addition" });
        Assert.Equal(("math_addition_001", 1), (preview.Name, preview.Number));

        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_007", "1.0.0"), server.Alice);
        await server.Client.RemoveAsync(new RemoveRequest { Name = "math_addition_007", Mode = RemoveMode.DeleteScript }, server.Alice);

        var next = await server.Client.NextNameAsync(new NextNameRequest { Category = "math", Task = "addition", Reserve = true }, server.Alice);
        Assert.Equal("math_addition_008", next.Name);
        var after = await server.Client.NextNameAsync(new NextNameRequest { Category = "math", Task = "addition", Reserve = true }, server.Alice);
        Assert.Equal("math_addition_009", after.Name);
        Assert.Equal("math_subtraction_001", (await server.Client.NextNameAsync(new NextNameRequest { Category = "math", Task = "subtraction" })).Name);
    }

    [Fact]
    public async Task Concurrent_reservations_get_distinct_names()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var names = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            server.Client.NextNameAsync(new NextNameRequest { Category = "text", Task = "split", Reserve = true }, server.Alice).ResponseAsync));
        Assert.Equal(20, names.Select(n => n.Name).Distinct().Count());
        Assert.Equal(20, names.Max(n => n.Number));
    }

    [Theory]
    [InlineData("Math", "addition")]
    [InlineData("math", "../x")]
    [InlineData("", "addition")]
    [InlineData("math", "")]
    public async Task Next_name_with_a_bad_category_or_task_is_invalid_argument(string category, string task)
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.NextNameAsync(new NextNameRequest { Category = category, Task = task }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task Reserving_a_name_needs_publish_scope()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.NextNameAsync(new NextNameRequest { Category = "math", Task = "addition", Reserve = true }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task Agent_tools_link_idempotently_list_and_unlink()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        var publishWithAgent = Scripts.Publish("math_subtraction_001", "1.0.0", "Subtracts numbers");
        publishWithAgent.AgentId = "agent-7";
        await server.Client.PublishAsync(publishWithAgent, server.Alice);

        var first = await server.Client.LinkAgentToolAsync(new LinkAgentToolRequest { AgentId = "agent-7", ScriptName = "math_addition_001", VersionSelector = "^1" }, server.Bob);
        var again = await server.Client.LinkAgentToolAsync(new LinkAgentToolRequest { AgentId = "agent-7", ScriptName = "math_addition_001" }, server.Bob);
        Assert.False(first.AlreadyLinked);
        Assert.True(again.AlreadyLinked);
        Assert.Equal("^1", again.Tool.VersionSelector);
        Assert.Equal("bob", again.Tool.LinkedBy);

        var tools = await server.Client.ListAgentToolsAsync(new ListAgentToolsRequest { AgentId = "agent-7" });
        Assert.Equal(["math_addition_001", "math_subtraction_001"], tools.Tools.Select(t => t.ScriptName));
        Assert.Equal(["agent-7"], (await server.Client.GetScriptAsync(new GetScriptRequest { Name = "math_addition_001" })).AgentIds);
        await server.EmbeddedAsync();
        var onlyAgent = await server.Client.SearchAsync(new SearchRequest { Query = "numbers", AgentId = "agent-7" });
        Assert.Equal(2, onlyAgent.Hits.Count);

        Assert.True((await server.Client.UnlinkAgentToolAsync(new UnlinkAgentToolRequest { AgentId = "agent-7", ScriptName = "math_addition_001" }, server.Bob)).Removed);
        Assert.False((await server.Client.UnlinkAgentToolAsync(new UnlinkAgentToolRequest { AgentId = "agent-7", ScriptName = "math_addition_001" }, server.Bob)).Removed);
        Assert.Single((await server.Client.ListAgentToolsAsync(new ListAgentToolsRequest { AgentId = "agent-7" })).Tools);
    }

    [Fact]
    public async Task Linking_an_unknown_script_is_not_found_and_a_bad_agent_id_is_invalid()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => server.Client.LinkAgentToolAsync(new LinkAgentToolRequest { AgentId = "a1", ScriptName = "nope" }, server.Alice).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var bad = await Assert.ThrowsAsync<RpcException>(() => server.Client.LinkAgentToolAsync(new LinkAgentToolRequest { AgentId = "a b/c", ScriptName = "nope" }, server.Alice).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    [Fact]
    public async Task Feedback_updates_the_mean_rating()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        await server.Client.FeedbackAsync(new FeedbackRequest { Name = "math_addition_001", Rating = 5, Comment = "great" }, server.Bob);
        var second = await server.Client.FeedbackAsync(new FeedbackRequest { Name = "math_addition_001", Version = "1.0.0", Rating = 2 }, server.Alice);

        Assert.Equal((3.5, 2L), (second.Rating, second.RatingCount));
        var stats = await server.Client.GetStatsAsync(new GetStatsRequest { Name = "math_addition_001" });
        Assert.Equal(3.5, stats.Stats.Rating);
    }

    [Theory]
    [InlineData(0, "", StatusCode.InvalidArgument)]
    [InlineData(6, "", StatusCode.InvalidArgument)]
    [InlineData(3, "1.0", StatusCode.InvalidArgument)]
    [InlineData(3, "2.0.0", StatusCode.NotFound)]
    public async Task Feedback_with_a_bad_rating_or_version_is_rejected(int rating, string version, StatusCode expected)
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.FeedbackAsync(new FeedbackRequest { Name = "math_addition_001", Rating = rating, Version = version }, server.Bob).ResponseAsync);
        Assert.Equal(expected, e.StatusCode);
        Assert.Equal(0, await PublishTests.Count(server, "feedback"));
    }

    [Fact]
    public async Task Registry_wide_stats_count_scripts_versions_and_deprecations()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.1"), server.Alice);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_002", "1.0.0"), server.Alice);
        await server.Client.RemoveAsync(new RemoveRequest { Name = "math_addition_002", Mode = RemoveMode.Deprecate, Reason = "dup" }, server.Alice);

        var stats = await server.Client.GetStatsAsync(new GetStatsRequest());
        Assert.Equal((2L, 3L, 1L), (stats.ScriptCount, stats.VersionCount, stats.DeprecatedCount));
    }
}
