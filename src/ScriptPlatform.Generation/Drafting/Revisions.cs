using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using DiffPlex.Renderer;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Generation.Drafting;

/// <summary>What an Update shows before confirmation: the unified diff, a changelog line and the next version.</summary>
public static partial class Revisions
{
    /// <summary>
    /// The most lines (old and new together) diffed line by line. Myers' diff (DiffPlex) costs up to lines ×
    /// edit distance: a 50,000-line content (150 KB, inside the 256 KiB limit) revised into a short script
    /// took 8 s, so beyond this the diff is a whole-file replacement, which is linear (4,000 lines diff in
    /// under 0.2 s at worst).
    /// </summary>
    public const int MaxDiffedLines = 4000;

    public static string UnifiedDiff(string oldContent, string newContent, string? name)
    {
        var file = string.IsNullOrEmpty(name) ? "script.py" : $"{name}.py";
        var (oldLines, newLines) = (Lines(oldContent), Lines(newContent));
        return oldLines.Length + newLines.Length > MaxDiffedLines
            ? Replacement(oldLines, newLines, file)
            : new UnidiffRenderer(new DiffPlex.Differ(), 3).Generate(oldContent, newContent, $"a/{file}", $"b/{file}", false, false);
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

    // One hunk that removes every old line and adds every new one.
    private static string Replacement(string[] oldLines, string[] newLines, string file)
    {
        var diff = new StringBuilder();
        diff.Append(CultureInfo.InvariantCulture, $"--- a/{file}\n+++ b/{file}\n");
        diff.Append(CultureInfo.InvariantCulture, $"@@ -{(oldLines.Length == 0 ? 0 : 1)},{oldLines.Length} +{(newLines.Length == 0 ? 0 : 1)},{newLines.Length} @@\n");
        foreach (var line in oldLines)
        {
            diff.Append('-').Append(line).Append('\n');
        }

        foreach (var line in newLines)
        {
            diff.Append('+').Append(line).Append('\n');
        }

        return diff.ToString();
    }

    private static string[] Lines(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    /// <summary>True for a version X.Y.Z with an optional pre-release or build suffix (what <see cref="SuggestedVersion"/> reads).</summary>
    public static bool IsVersion(string version) => SemVer().IsMatch(version);

    [GeneratedRegex(@"^(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:[-+][0-9A-Za-z.+-]*)?\z")]
    private static partial Regex SemVer();
}
