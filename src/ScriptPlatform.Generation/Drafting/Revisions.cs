using System.Globalization;
using System.Text.RegularExpressions;
using DiffPlex.Renderer;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Generation.Drafting;

/// <summary>What an Update shows before confirmation: the unified diff, a changelog line and the next version.</summary>
public static partial class Revisions
{
    public static string UnifiedDiff(string oldContent, string newContent, string? name)
    {
        var file = string.IsNullOrEmpty(name) ? "script.py" : $"{name}.py";
        return new UnidiffRenderer(new DiffPlex.Differ(), 3).Generate(oldContent, newContent, $"a/{file}", $"b/{file}", false, false);
    }

    public static string Changelog(string instruction) => Summaries.OneSentence(instruction, 30);

    /// <summary>Major when the declared params changed (callers must adapt), else minor; empty without a current X.Y.Z.</summary>
    public static string SuggestedVersion(string currentVersion, ScriptMetadata? before, ScriptMetadata? after)
    {
        var match = SemVer().Match(currentVersion);
        if (!match.Success)
        {
            return "";
        }

        int major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), minor = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        return DraftPipeline.SameParams(before, after) ? $"{major}.{minor + 1}.0" : $"{major + 1}.0.0";
    }

    public static ScriptMetadata? TryParseMetadata(string content)
    {
        try
        {
            return ScriptMetadataParser.Parse(content);
        }
        catch (ScriptMetadataException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:[-+].*)?\z")]
    private static partial Regex SemVer();
}
