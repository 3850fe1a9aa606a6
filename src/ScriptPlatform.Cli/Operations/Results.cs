using System.Text.Json;

namespace ScriptPlatform.Cli.Operations;

// The results of sp's operations, shared by the commands (--json) and the MCP tools (structured
// content). snake_case on the wire, as in seed 004.

/// <summary>One search hit; <c>source</c> says which tier it came from.</summary>
public sealed record SearchHit(string Name, string Source, string? Category, string? Description, string? Version, string? Path, double Score);

/// <summary>Hits from every tier searched; <c>registry_error</c> says why the registry was left out.</summary>
public sealed record SearchResult(string Query, IReadOnlyList<SearchHit> Hits, string? RegistryError, IReadOnlyList<string> Warnings);

/// <summary>A script loaded from the registry into a local tier.</summary>
public sealed record LoadResult(
    string Name, string Version, string Sha256, string Source, string Tier, string Path, string? Category, bool Pinned, string? LatestVersion,
    IReadOnlyList<string> Warnings, string? Content = null);

/// <summary>One local run, as printed, returned to agents and appended to the history.</summary>
public sealed record RunResult(
    string ExecutionId, string ScriptName, string Source, string Path, string? Version, string ContentHash, string Status,
    JsonElement? Data, JsonElement? Metadata, RunError? Error, string Stdout, string Stderr, double DurationSec, double CostUsd,
    long? RowsProcessed, bool LoggedRemotely, IReadOnlyList<string> Warnings);

/// <summary>Why a run failed (exception type or invalid reason, message, traceback).</summary>
public sealed record RunError(string Type, string Message, string? Traceback);

/// <summary>A published version.</summary>
public sealed record PublishResult(string Name, string Version, string Sha256, string Source, bool CreatedScript, bool IdempotentReplay, IReadOnlyList<string> Warnings);

/// <summary>Usage guidance for a script or for sp itself.</summary>
public sealed record HelpResult(string? Name, string Source, string Text, IReadOnlyList<string> Examples, string? ExampleParamsJson);

/// <summary>One version of a registry script.</summary>
public sealed record VersionRow(string Version, string Sha256, long SizeBytes, string? Changelog, bool IsLatest, DateTimeOffset? PublishedAt, string? PublishedBy);

/// <summary>The pins a lock wrote.</summary>
public sealed record LockResult(string Path, string ProjectHash, IReadOnlyDictionary<string, string> Scripts, IReadOnlyDictionary<string, string> Integrity,
    IReadOnlyList<string> Warnings);

/// <summary>A generated draft; <paramref name="NameStem"/> is "category_task", to which the Registry appends "_NNN".</summary>
public sealed record GenerateResult(string Content, string Category, string Task, string Source, string? Model, string Summary, bool Valid,
    IReadOnlyList<string> Issues, string? SavedTo, string NameStem = "");

/// <summary>
/// What Intent made of an utterance (issue 14's shape): the action (generate, run, …, confirm, cancel, clarify), its
/// entities, whether it waits for a yes and the card saying what will happen, and the message; plus the proposal's
/// id or the outcome of what was carried out.
/// </summary>
public sealed record AskResult(string SessionId, string Kind, string? Question, string? ConfirmationId, string? Answer, bool? Ok, string? Message,
    JsonElement? Outcome)
{
    public string? Action { get; init; }

    public AskEntities? Entities { get; init; }

    public bool NeedsConfirmation { get; init; }

    /// <summary>The confirmation card (proto field names: target_name, target_version, estimated_cost_usd, …).</summary>
    public JsonElement? Card { get; init; }
}

/// <summary>The script, version, category, task, params and file an utterance names (absent: not mentioned).</summary>
public sealed record AskEntities(string? Name, string? Version, string? Category, string? Task, JsonElement? Params, string? File);
