using System.Text.RegularExpressions;

namespace ScriptPlatform.Generation.Drafting;

/// <summary>What <see cref="CodeExtractor"/> found in a reply: the script, or why there is none.</summary>
/// <param name="Problem">no_code or several_files when <see cref="Code"/> is null.</param>
public sealed record Extraction(string? Code, string? Problem, string? Message)
{
    public static Extraction Found(string code) => new(code, null, null);

    public static Extraction Failed(string problem, string message) => new(null, problem, message);
}

/// <summary>
/// Finds the one Python script in a model's reply, however it came: fenced (```python, ```py, bare ``` or ~~~,
/// even unterminated), unfenced with prose before or after it, or among several blocks (a usage example, a shell
/// line, the script). The block that defines the entry point wins; two blocks that each define one, or blocks
/// named as different files, are a multi-file reply, which a single-file script cannot be.
/// </summary>
public static partial class CodeExtractor
{
    private static readonly HashSet<string> PythonTags = new(StringComparer.OrdinalIgnoreCase) { "python", "py", "python3", "py3", "" };

    public static Extraction Extract(string reply)
    {
        var text = reply.Replace("\r\n", "\n", StringComparison.Ordinal);
        var blocks = FencedBlocks(text);
        var candidates = blocks.Where(b => PythonTags.Contains(b.Language) && (b.Language.Length > 0 || LooksLikePython(b.Code))).ToList();
        if (blocks.Count == 0 && Unfenced(text) is { } unfenced)
        {
            candidates.Add(new Block("python", unfenced, null));
        }

        if (candidates.Count == 0)
        {
            return Extraction.Failed("no_code", blocks.Count == 0
                ? "the reply holds no Python code"
                : $"the reply's code blocks are not Python ({string.Join(", ", blocks.Select(b => b.Language.Length == 0 ? "untagged" : b.Language).Distinct())})");
        }

        var files = candidates.Select(b => b.FileName).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (files.Count > 1)
        {
            return Extraction.Failed("several_files", $"the reply holds several files ({string.Join(", ", files)}); a script is exactly one file");
        }

        var withEntry = candidates.Where(b => EntryPoint().IsMatch(b.Code)).ToList();
        if (withEntry.Count > 1)
        {
            return Extraction.Failed("several_files", $"the reply holds {withEntry.Count} code blocks that each define execute(params); send exactly one script");
        }

        var chosen = withEntry.Count == 1 ? withEntry[0] : candidates.MaxBy(b => b.Code.Length)!;
        return Extraction.Found(chosen.Code.Trim('\n') + "\n");
    }

    private sealed record Block(string Language, string Code, string? FileName);

    private static List<Block> FencedBlocks(string text)
    {
        var blocks = new List<Block>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            var fence = open.Groups["fence"].Value;
            var info = open.Groups["info"].Value.Trim();
            var start = i + 1;
            var end = start;
            // A reply cut off by the token limit leaves the last fence open: its code runs to the end.
            while (end < lines.Length && !IsClosing(lines[end], fence))
            {
                end++;
            }

            var code = string.Join('\n', lines[start..end]);
            var language = info.Split([' ', '{', '\t'], 2)[0].Trim('.', '{', '}');
            blocks.Add(new Block(language, code, FileName(info, i > 0 ? lines[i - 1] : "", code)));
            i = end;
        }

        return blocks;
    }

    private static bool IsClosing(string line, string fence)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]);
    }

    /// <summary>A file name the reply gives a block: in the fence's info, on the line above, or in a first-line comment.</summary>
    private static string? FileName(string info, string lineAbove, string code)
    {
        var firstLine = code.Split('\n', 2)[0];
        foreach (var place in (string[])[info, lineAbove.Length <= 120 ? lineAbove : "", CommentFileName().IsMatch(firstLine) ? firstLine : ""])
        {
            if (PyFileName().Match(place) is { Success: true } m)
            {
                return m.Value;
            }
        }

        return null;
    }

    /// <summary>Unfenced code: from the first line that starts a script to the last line that can belong to one.</summary>
    private static string? Unfenced(string text)
    {
        var lines = text.Split('\n');
        var first = Array.FindIndex(lines, l => CodeStart().IsMatch(l));
        if (first < 0)
        {
            return null;
        }

        var last = lines.Length - 1;
        // Trailing prose: a non-indented line that does not read as Python ("This script adds two numbers.").
        while (last > first && (lines[last].Trim().Length == 0 || (!char.IsWhiteSpace(lines[last][0]) && !CodeLine().IsMatch(lines[last]))))
        {
            last--;
        }

        var code = string.Join('\n', lines[first..(last + 1)]);
        return LooksLikePython(code) ? code : null;
    }

    private static bool LooksLikePython(string code) => CodeStart().IsMatch(code) && (EntryPoint().IsMatch(code) || code.Contains('\n', StringComparison.Ordinal));

    [GeneratedRegex(@"^\s{0,3}(?<fence>`{3,}|~{3,})(?<info>[^`]*)(?=\n|\z)")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^(async\s+)?def\s+(execute|main)\s*\(", RegexOptions.Multiline)]
    private static partial Regex EntryPoint();

    [GeneratedRegex(@"^(# /// script|#!|""""""|'''|import\s+\w|from\s+[\w.]+\s+import\s|(async\s+)?def\s+\w+\s*\(|class\s+\w+|@\w)", RegexOptions.Multiline)]
    private static partial Regex CodeStart();

    [GeneratedRegex(@"^(#|@|""""""|'''|[)\]}]|(import|from|def|class|async|return|if|elif|else|try|except|finally|for|while|with|raise|pass)\b|[A-Za-z_][\w.]*(\[[^\]]*\])?\s*(=|\(|\+=|-=|:))")]
    private static partial Regex CodeLine();

    [GeneratedRegex(@"[\w./-]*\w\.py\b")]
    private static partial Regex PyFileName();

    [GeneratedRegex(@"^#\s*(file(name)?\s*:\s*)?[\w./-]+\.py\s*(?=\n|\z)", RegexOptions.IgnoreCase)]
    private static partial Regex CommentFileName();
}
