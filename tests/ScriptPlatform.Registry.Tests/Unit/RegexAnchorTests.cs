using System.Text;
using System.Text.RegularExpressions;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Unit;

/// <summary>
/// In .NET, '$' matches at the very end and also before a final '\n', so "^[a-z]+$" accepts "abc\n"
/// (issue 17: such a name was stored). Every pattern in src/ must end with \z instead.
/// </summary>
public sealed partial class RegexAnchorTests
{
    [Fact]
    public void No_pattern_in_src_uses_a_dollar_anchor_that_lets_a_trailing_newline_through()
    {
        var offenders = PatternsInSource()
            .Where(p => HasDollarAnchor(p.Pattern))
            .Select(p => $"{p.Where}: {p.Pattern}")
            .ToList();

        Assert.True(offenders.Count == 0, "Anchor these with \\z instead of $:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_scan_finds_the_patterns_it_guards()
    {
        var patterns = PatternsInSource().Select(p => p.Pattern).ToList();

        Assert.Contains(@"^[a-z][a-z0-9_]{0,63}\z", patterns);
        Assert.True(HasDollarAnchor("^[a-z]+$"));
        Assert.False(HasDollarAnchor(@"^[a-z$]+\$\z"));
    }

    private static IEnumerable<(string Where, string Pattern)> PatternsInSource()
    {
        var src = Path.Combine(RepositoryRoot.Path, "src");
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var call = RegexCall().Match(lines[i]);
                if (call.Success)
                {
                    yield return ($"{Path.GetRelativePath(src, file)}:{i + 1}", Unquote(call.Groups["literal"].Value));
                }
            }
        }
    }

    // The text of a C# string literal: verbatim (@"...") as written, regular ones with their escapes undone.
    private static string Unquote(string literal)
    {
        if (literal.StartsWith('@'))
        {
            return literal[2..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
        }

        var text = new StringBuilder();
        for (var i = 1; i < literal.Length - 1; i++)
        {
            text.Append(literal[i] == '\\' && i + 1 < literal.Length - 1 ? literal[++i] : literal[i]);
        }

        return text.ToString();
    }

    // A '$' that is neither escaped nor inside a character class.
    private static bool HasDollarAnchor(string pattern)
    {
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    inClass = true;
                    break;
                case ']':
                    inClass = false;
                    break;
                case '$' when !inClass:
                    return true;
            }
        }

        return false;
    }

    // [GeneratedRegex("...")], new Regex("...") and the static Regex.IsMatch/Match/...(input, "...").
    [GeneratedRegex("""(?:GeneratedRegex\(|new\s+Regex\(|Regex\.(?:IsMatch|Match|Matches|Replace|Split|Count|EnumerateMatches)\([^,]*,\s*)(?<literal>@"(?:[^"]|"")*"|"(?:[^"\\]|\\.)*")""")]
    private static partial Regex RegexCall();
}
