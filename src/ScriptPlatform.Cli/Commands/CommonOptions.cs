using System.CommandLine;

namespace ScriptPlatform.Cli.Commands;

/// <summary>Options every command shares.</summary>
internal static class CommonOptions
{
    /// <summary>Machine-readable output instead of text, on every command.</summary>
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write the result as JSON (for scripts and agents).",
        Recursive = true,
    };
}
