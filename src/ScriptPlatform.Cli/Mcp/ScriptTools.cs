using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using ScriptPlatform.Cli.Infrastructure;
using ScriptPlatform.Cli.Operations;
using ScriptPlatform.Cli.Tiers;

namespace ScriptPlatform.Cli.Mcp;

/// <summary>The JSON options of MCP results: the same snake_case shapes as <c>sp --json</c>.</summary>
internal static class CliOutputJson
{
    public static JsonSerializerOptions Options { get; } = new(CliOutput.Json) { WriteIndented = false, TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
}

/// <summary>
/// Seed 004's tools (search, load, run, publish, help) plus generate and ask, with the seed's argument
/// names. Results are structured content; failures are tool errors whose text is the seed's error object.
/// </summary>
[McpServerToolType]
public sealed class ScriptTools(ScriptOperations operations)
{
    [McpServerTool(Name = "search", UseStructuredContent = true, ReadOnly = true)]
    [Description("Search scripts in all three tiers (project, user, registry); every hit carries its source.")]
    public Task<SearchResult> Search(
        [Description("Words to look for.")] string query,
        [Description("Only this category.")] string? category = null,
        [Description("Most hits per tier (1-100).")] int limit = 10,
        CancellationToken ct = default) =>
        Guard(() => operations.SearchAsync(query, category, Math.Clamp(limit, 1, 100), localOnly: false, ct));

    [McpServerTool(Name = "load", UseStructuredContent = true)]
    [Description("Load a script from the registry into the user tier (download_to_user) or the project tier, pinned in the lockfile; returns its code.")]
    public Task<LoadResult> Load(
        [Description("Name of the script to load.")] string script_name,
        [Description("Version or range (default: the lockfile's pin, else latest).")] string? version = null,
        [Description("Download into the user tier (true) or the project tier (false).")] bool download_to_user = true,
        CancellationToken ct = default) =>
        Guard(() => operations.LoadAsync(script_name, version, download_to_user ? Tier.User : Tier.Project, force: false, includeContent: true, ct));

    [McpServerTool(Name = "run", UseStructuredContent = true)]
    [Description("Run a script from the project or user tier in the sandbox. Never downloads: a registry-only script returns script_not_found_locally; load it first.")]
    public Task<RunResult> Run(
        [Description("Name of the script to run.")] string script_name,
        [Description("The params object passed to execute(params).")] JsonElement? @params = null,
        [Description("Wall-clock limit in seconds.")] double? timeout = null,
        CancellationToken ct = default) =>
        Guard(() =>
        {
            var json = @params is { ValueKind: JsonValueKind.Object } p ? p.GetRawText()
                : @params is null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } ? "{}"
                : throw CliError.UsageError("invalid_params", "params must be a JSON object.");
            return operations.RunAsync(script_name, json, timeout, null,
                "Use load tool first: load({{'script_name': '{0}', 'download_to_user': true}})", ct);
        });

    [McpServerTool(Name = "publish", UseStructuredContent = true)]
    [Description("Publish a script from the project or user tier to the registry as a new semver version.")]
    public Task<PublishResult> Publish(
        [Description("Name of the script to publish.")] string script_name,
        [Description("Strict semver, e.g. 1.0.0.")] string version,
        [Description("Where to read it from: project or user (default: project, then user).")] string? source = null,
        [Description("What changed.")] string? changelog = null,
        CancellationToken ct = default) =>
        Guard(() => operations.PublishAsync(script_name, version, changelog, source switch
        {
            null or "" => null,
            "project" => Tier.Project,
            "user" => Tier.User,
            _ => throw CliError.UsageError("invalid_source", $"source '{source}' must be project or user."),
        }, ct));

    [McpServerTool(Name = "help", UseStructuredContent = true, ReadOnly = true)]
    [Description("Usage guidance: a script's params and an example call, or the tools and tiers in general.")]
    public Task<HelpResult> Help(
        [Description("A script name; empty for general guidance.")] string? script_name = null,
        [Description("General topic: tiers, search, load, run, publish, lockfile.")] string? topic = null,
        CancellationToken ct = default) =>
        Guard(() => operations.HelpAsync(string.IsNullOrEmpty(script_name) ? null : script_name, topic, ct));

    [McpServerTool(Name = "generate", UseStructuredContent = true)]
    [Description("Draft a new script from a plain-language description with the Generation service (validated in its sandbox).")]
    public Task<GenerateResult> Generate(
        [Description("What the script should do.")] string description,
        [Description("Category, e.g. math (inferred when absent).")] string? category = null,
        [Description("Task, e.g. addition (inferred when absent).")] string? task = null,
        CancellationToken ct = default) =>
        Guard(() => operations.GenerateAsync(description, category, task, null, null, ct));

    [McpServerTool(Name = "ask", UseStructuredContent = true)]
    [Description("Send a plain-language request to the Intent service: an answer, a read action's result, or a proposal to confirm (confirm=true confirms it).")]
    public Task<AskResult> Ask(
        [Description("What the user or agent wants.")] string utterance,
        [Description("Continue this session.")] string? session_id = null,
        [Description("Confirm a proposed action at once.")] bool confirm = false,
        [Description("The agent on whose behalf (a generated script becomes its tool).")] string? agent_id = null,
        CancellationToken ct = default) =>
        Guard(() => operations.AskAsync(utterance, session_id, confirm, ct, string.IsNullOrEmpty(agent_id) ? null : agent_id));

    private static async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (CliError error)
        {
            throw new McpException(JsonSerializer.Serialize(error.ToBody(), CliOutputJson.Options));
        }
    }
}
