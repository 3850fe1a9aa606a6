using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ScriptPlatform.Cli.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Cli.Tests;

/// <summary><c>sp mcp</c> as a real process, driven by the MCP SDK's own client over stdio.</summary>
[Collection(PlatformCollection.Name)]
public sealed class McpServerTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_server_lists_its_tools_with_schemas_and_answers_each_call_with_structured_results()
    {
        using var sp = new Sp(platform.RegistryAddress, platform.ExecutorAddress);
        sp.Variables["SCRIPTPLATFORM_API_KEY"] = platform.AdminKey;
        var name = "mcp_add_" + Guid.NewGuid().ToString("N")[..8];
        Sp.Write(sp.ProjectScript("math", name), Scripts.Add);
        var ct = TestContext.Current.CancellationToken;
        await using var client = await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "sp",
            Command = "dotnet",
            Arguments = [SpDll, "mcp"],
            WorkingDirectory = sp.Project,
            EnvironmentVariables = sp.Variables.ToDictionary(v => v.Key, v => (string?)v.Value),
        }), cancellationToken: ct);

        var tools = await client.ListToolsAsync(cancellationToken: ct);
        Assert.Equal(["ask", "generate", "help", "load", "publish", "run", "search"], tools.Select(t => t.Name).Order().ToList());
        var run = tools.Single(t => t.Name == "run");
        Assert.Contains("script_name", run.JsonSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.NotNull(run.ProtocolTool.OutputSchema);

        var ran = await client.CallToolAsync("run", new Dictionary<string, object?> { ["script_name"] = name, ["params"] = new { a = 4, b = 5 } }, cancellationToken: ct);
        Assert.NotEqual(true, ran.IsError);
        Assert.Equal(9, Structured(ran).GetProperty("data").GetProperty("sum").GetInt32());

        var published = await client.CallToolAsync("publish", new Dictionary<string, object?> { ["script_name"] = name, ["version"] = "1.0.0", ["source"] = "project" }, cancellationToken: ct);
        Assert.NotEqual(true, published.IsError);
        Assert.Equal("1.0.0", Structured(published).GetProperty("version").GetString());

        var found = await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = name }, cancellationToken: ct);
        Assert.Contains(Structured(found).GetProperty("hits").EnumerateArray(), h => h.GetProperty("source").GetString() == "registry");

        var loaded = await client.CallToolAsync("load", new Dictionary<string, object?> { ["script_name"] = name, ["download_to_user"] = true }, cancellationToken: ct);
        Assert.NotEqual(true, loaded.IsError);
        Assert.Equal(Scripts.Add, Structured(loaded).GetProperty("content").GetString());

        var help = await client.CallToolAsync("help", new Dictionary<string, object?> { ["script_name"] = name }, cancellationToken: ct);
        Assert.Contains("Add two numbers", Structured(help).GetProperty("text").GetString());

        var missing = await client.CallToolAsync("run", new Dictionary<string, object?> { ["script_name"] = "no_such_script_here" }, cancellationToken: ct);
        Assert.True(missing.IsError);
        Assert.Contains("script_not_found", Text(missing));

        // Generation and Intent are not part of this platform yet: the tools say so in the seed's error shape.
        foreach (var (tool, args) in new[] { ("generate", new Dictionary<string, object?> { ["description"] = "add numbers" }), ("ask", new() { ["utterance"] = "hello" }) })
        {
            var result = await client.CallToolAsync(tool, args, cancellationToken: ct);
            Assert.True(result.IsError);
            Assert.Contains("platform_unreachable", Text(result));
        }
    }

    /// <summary>The CLI's own build output (same configuration as this test): its deps file, not the test's, decides what it loads.</summary>
    private static string SpDll =>
        Path.Combine(RepositoryRoot.Path, "src", "ScriptPlatform.Cli", "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "sp.dll");

    private static JsonElement Structured(CallToolResult result) =>
        result.StructuredContent is { } content ? JsonSerializer.SerializeToElement(content) : throw new InvalidOperationException("no structured content: " + Text(result));

    private static string Text(CallToolResult result) => string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));
}
