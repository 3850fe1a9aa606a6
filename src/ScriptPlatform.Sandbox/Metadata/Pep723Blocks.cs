namespace ScriptPlatform.Sandbox.Metadata;

/// <summary>
/// Finds PEP 723 blocks exactly as the PEP's reference expression does,
/// <c>(?m)^# /// (?&lt;type&gt;[a-zA-Z0-9-]+)$\s(?&lt;content&gt;(^#(| .*)$\s)+)^# ///$</c>, but in linear time.
/// The expression backtracks over every comment line after every opener, so a script of many
/// <c># /// x</c> lines took minutes to parse (quadratic); a metadata parse runs on every publish.
/// A block is an opener line, at least one comment line (<c>#</c> or <c># ...</c>), and the last
/// <c># ///</c> line reachable through comment lines (the expression is greedy).
/// </summary>
internal static class Pep723Blocks
{
    private const string Opener = "# /// ";
    private const string Closer = "# ///";

    /// <summary>The blocks of <paramref name="source"/> (with '\n' line ends), in order: type and content lines with their "# " removed.</summary>
    public static IEnumerable<(string Type, string Content)> Find(string source)
    {
        var lines = source.Split('\n');
        // A line the expression can step over ends in '\n': every line but the last piece.
        var terminated = lines.Length - 1;
        var runEnd = CommentRunEnds(lines, terminated);
        var lastCloser = LastCloserAtOrBefore(lines);
        for (var i = 0; i < terminated; i++)
        {
            if (!IsOpener(lines[i]))
            {
                continue;
            }

            // The closer is the last "# ///" among the comment lines after the opener, or the line
            // just after them; at least one content line must come before it.
            var close = lastCloser[runEnd[i + 1]];
            if (close < i + 2)
            {
                continue;
            }

            var content = lines[(i + 1)..close].Select(l => l.StartsWith("# ", StringComparison.Ordinal) ? l[2..] : l.TrimStart('#'));
            yield return (lines[i][Opener.Length..], string.Join('\n', content) + "\n");
            i = close;
        }
    }

    private static bool IsOpener(string line) =>
        line.Length > Opener.Length && line.StartsWith(Opener, StringComparison.Ordinal)
        && line.AsSpan(Opener.Length).IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") < 0;

    private static bool IsComment(string line) => line == "#" || line.StartsWith("# ", StringComparison.Ordinal);

    // runEnd[i]: the first line at or after i that is not a '\n'-terminated comment line (lines.Length at most).
    private static int[] CommentRunEnds(string[] lines, int terminated)
    {
        var runEnd = new int[lines.Length + 1];
        runEnd[lines.Length] = lines.Length;
        for (var i = lines.Length - 1; i >= 0; i--)
        {
            runEnd[i] = i < terminated && IsComment(lines[i]) ? runEnd[i + 1] : i;
        }

        return runEnd;
    }

    // lastCloser[i]: the largest k <= i whose line is exactly "# ///", else -1.
    private static int[] LastCloserAtOrBefore(string[] lines)
    {
        var lastCloser = new int[lines.Length + 1];
        var last = -1;
        for (var i = 0; i <= lines.Length; i++)
        {
            if (i < lines.Length && lines[i] == Closer)
            {
                last = i;
            }

            lastCloser[i] = last;
        }

        return lastCloser;
    }
}
