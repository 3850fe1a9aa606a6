using System.Text.Json;

namespace ScriptPlatform.Sandbox.Metadata;

/// <summary>
/// What a script declares about itself: its PEP 723 <c># /// script</c> block (standard keys plus the
/// platform's own <c>[tool.scriptplatform]</c> table) and its module docstring. Parsed once here and
/// shared by the Registry, the Executor and the CLI.
/// </summary>
public sealed record ScriptMetadata
{
    public static readonly ScriptMetadata Empty = new();

    /// <summary>One-line summary: <c>description</c> from the tool table, else the docstring's first line.</summary>
    public string? Description { get; init; }

    public string? Docstring { get; init; }

    public string? Category { get; init; }

    /// <summary>PEP 508 requirement strings exactly as declared (<c>dependencies = [...]</c>).</summary>
    public IReadOnlyList<string> Dependencies { get; init; } = [];

    public string? RequiresPython { get; init; }

    public IReadOnlyList<ScriptParameter> Parameters { get; init; } = [];

    /// <summary>Wall-clock timeout the script asks for; limits still cap it.</summary>
    public double? TimeoutSeconds { get; init; }

    /// <summary>The script needs network access (granted only if operator policy allows it too).</summary>
    public bool Network { get; init; }

    public decimal? CostPerUnit { get; init; }

    public string? CostUnit { get; init; }
}

/// <summary>One declared parameter of <c>execute(params)</c>.</summary>
/// <param name="Type">string, integer, number, boolean, array, object or any.</param>
public sealed record ScriptParameter(string Name, string Type, bool Required, string? Description, JsonElement? Default);

/// <summary>The script's metadata block is malformed; the message says where and why.</summary>
public sealed class ScriptMetadataException(string message) : Exception(message);
