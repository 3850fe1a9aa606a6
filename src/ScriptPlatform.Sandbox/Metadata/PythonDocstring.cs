using System.Text;

namespace ScriptPlatform.Sandbox.Metadata;

/// <summary>Finds a Python module's docstring without running Python: the first statement, if it is a string literal.</summary>
internal static class PythonDocstring
{
    public static string? Extract(string source)
    {
        var i = SkipBlankAndComments(source, 0);
        // String prefixes that still make a docstring (r, u; not f or b).
        if (i < source.Length && (source[i] is 'r' or 'R' or 'u' or 'U') && i + 1 < source.Length && source[i + 1] is '"' or '\'')
        {
            i++;
        }

        if (i >= source.Length || source[i] is not ('"' or '\''))
        {
            return null;
        }

        var quote = source[i];
        var triple = i + 2 < source.Length && source[i + 1] == quote && source[i + 2] == quote;
        var delimiter = triple ? new string(quote, 3) : quote.ToString();
        var start = i + delimiter.Length;
        var end = FindClosing(source, start, delimiter);
        return end < 0 ? null : Clean(source[start..end]);
    }

    private static int SkipBlankAndComments(string source, int i)
    {
        while (i < source.Length)
        {
            if (char.IsWhiteSpace(source[i]))
            {
                i++;
            }
            else if (source[i] == '#')
            {
                while (i < source.Length && source[i] != '\n')
                {
                    i++;
                }
            }
            else
            {
                break;
            }
        }

        return i;
    }

    private static int FindClosing(string source, int from, string delimiter)
    {
        for (var i = from; i < source.Length; i++)
        {
            if (source[i] == '\\')
            {
                i++;
            }
            else if (string.CompareOrdinal(source, i, delimiter, 0, delimiter.Length) == 0)
            {
                return i;
            }
            else if (delimiter.Length == 1 && source[i] == '\n')
            {
                return -1;
            }
        }

        return -1;
    }

    // PEP 257 trimming: strip the common indentation of continuation lines and blank edges.
    private static string Clean(string raw)
    {
        var lines = raw.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var indent = lines.Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        var text = new StringBuilder(lines[0].Trim());
        foreach (var line in lines.Skip(1))
        {
            text.Append('\n').Append(line.Length >= indent ? line[indent..].TrimEnd() : line.Trim());
        }

        return text.ToString().Trim();
    }
}
