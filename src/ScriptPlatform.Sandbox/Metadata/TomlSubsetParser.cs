using System.Globalization;
using System.Text;

namespace ScriptPlatform.Sandbox.Metadata;

/// <summary>
/// The part of TOML that PEP 723 blocks use: tables, dotted keys, basic/literal (and multi-line)
/// strings, integers, floats, booleans, arrays and inline tables. Anything else (dates, arrays of
/// tables) is rejected with its line number rather than guessed at. Values come back as
/// <see cref="string"/>, <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>,
/// <see cref="List{T}"/> of values and <see cref="Dictionary{TKey, TValue}"/> tables.
/// </summary>
internal sealed class TomlSubsetParser
{
    /// <summary>Arrays and inline tables nest at most this deep: recursion on a hostile block must not exhaust the stack.</summary>
    public const int MaxNesting = 32;

    private readonly string _text;
    private int _pos;
    private int _depth;

    private TomlSubsetParser(string text) => _text = text;

    public static Dictionary<string, object?> Parse(string text) => new TomlSubsetParser(text).ParseDocument();

    private int Line => _text.AsSpan(0, Math.Min(_pos, _text.Length)).Count('\n') + 1;

    private char Current => _pos < _text.Length ? _text[_pos] : '\0';

    private ScriptMetadataException Error(string message) => new($"metadata block, line {Line}: {message}");

    private Dictionary<string, object?> ParseDocument()
    {
        var root = new Dictionary<string, object?>(StringComparer.Ordinal);
        var current = root;
        var definedTables = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            SkipWhitespaceCommentsAndNewlines();
            if (_pos >= _text.Length)
            {
                return root;
            }

            if (Current == '[')
            {
                _pos++;
                if (Current == '[')
                {
                    throw Error("arrays of tables ([[...]]) are not supported");
                }

                var path = ParseKeyPath();
                SkipSpaces();
                Expect(']');
                if (!definedTables.Add(string.Join('.', path)))
                {
                    throw Error($"table [{string.Join('.', path)}] is defined twice");
                }

                current = Descend(root, path);
            }
            else
            {
                var path = ParseKeyPath();
                SkipSpaces();
                Expect('=');
                SkipSpaces();
                var value = ParseValue();
                Assign(current, path, value);
            }

            EndOfLine();
        }
    }

    private Dictionary<string, object?> Descend(Dictionary<string, object?> table, IReadOnlyList<string> path)
    {
        foreach (var key in path)
        {
            if (!table.TryGetValue(key, out var next))
            {
                next = new Dictionary<string, object?>(StringComparer.Ordinal);
                table[key] = next;
            }

            table = next as Dictionary<string, object?> ?? throw Error($"'{key}' is already a value, not a table");
        }

        return table;
    }

    private void Assign(Dictionary<string, object?> table, IReadOnlyList<string> path, object? value)
    {
        var parent = Descend(table, path.Take(path.Count - 1).ToList());
        if (!parent.TryAdd(path[^1], value))
        {
            throw Error($"key '{string.Join('.', path)}' is defined twice");
        }
    }

    private List<string> ParseKeyPath()
    {
        var keys = new List<string>();
        while (true)
        {
            SkipSpaces();
            keys.Add(ParseKey());
            SkipSpaces();
            if (Current != '.')
            {
                return keys;
            }

            _pos++;
        }
    }

    private string ParseKey()
    {
        if (Current is '"' or '\'')
        {
            return ParseString();
        }

        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(Current) || Current is '_' or '-'))
        {
            _pos++;
        }

        return _pos > start ? _text[start.._pos] : throw Error($"expected a key but found '{Describe(Current)}'");
    }

    private object? ParseValue() => Current switch
    {
        '[' or '{' when _depth >= MaxNesting => throw Error($"arrays and inline tables nest more than {MaxNesting} levels deep"),
        '"' or '\'' => ParseString(),
        '[' => ParseArray(),
        '{' => ParseInlineTable(),
        _ when Matches("true") => ParseLiteral("true", true),
        _ when Matches("false") => ParseLiteral("false", false),
        _ when char.IsAsciiDigit(Current) || Current is '+' or '-' => ParseNumber(),
        _ => throw Error($"expected a value but found '{Describe(Current)}'"),
    };

    private bool Matches(string word) => string.CompareOrdinal(_text, _pos, word, 0, word.Length) == 0;

    private object ParseLiteral(string word, object value)
    {
        _pos += word.Length;
        return value;
    }

    private object ParseNumber()
    {
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(Current) || Current is '+' or '-' or '_' or '.'))
        {
            _pos++;
        }

        var token = _text[start.._pos];
        var clean = token.Replace("_", string.Empty, StringComparison.Ordinal);
        if (long.TryParse(clean, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        if (clean.Any(char.IsAsciiDigit) && !clean.Contains("inf", StringComparison.OrdinalIgnoreCase) && !clean.Contains("nan", StringComparison.OrdinalIgnoreCase)
            && double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return real;
        }

        throw Error($"'{token}' is not a number (dates and other TOML types are not supported)");
    }

    private string ParseString()
    {
        var quote = Current;
        var multiline = Matches(new string(quote, 3));
        _pos += multiline ? 3 : 1;
        if (multiline && Current == '\n')
        {
            _pos++; // a newline right after the opening quotes is trimmed
        }

        var text = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Error("unterminated string");
            }

            if (multiline ? Matches(new string(quote, 3)) : Current == quote)
            {
                _pos += multiline ? 3 : 1;
                return text.ToString();
            }

            if (Current == '\0')
            {
                throw Error("strings must not contain U+0000 (NUL)");
            }

            if (Current == '\n' && !multiline)
            {
                throw Error("unterminated string (newline inside a single-line string)");
            }

            if (Current == '\\' && quote == '"')
            {
                _pos++;
                text.Append(ParseEscape());
                continue;
            }

            text.Append(Current);
            _pos++;
        }
    }

    private string ParseEscape()
    {
        var c = Current;
        _pos++;
        switch (c)
        {
            case 'n': return "\n";
            case 't': return "\t";
            case 'r': return "\r";
            case 'b': return "\b";
            case 'f': return "\f";
            case '"': return "\"";
            case '\\': return "\\";
            case 'u' or 'U':
                var length = c == 'u' ? 4 : 8;
                if (_pos + length > _text.Length || !int.TryParse(_text.AsSpan(_pos, length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                {
                    throw Error($"invalid \\{c} escape");
                }

                // TOML allows only Unicode scalar values; NUL is one, but no stored text can hold it.
                if (code is <= 0 or > 0x10FFFF || code is >= 0xD800 and <= 0xDFFF)
                {
                    throw Error(code == 0 ? "strings must not contain U+0000 (NUL)" : $"\\{c}{_text.AsSpan(_pos, length)} is not a Unicode scalar value");
                }

                _pos += length;
                return char.ConvertFromUtf32(code);
            default:
                throw Error($"invalid escape '\\{Describe(c)}'");
        }
    }

    private List<object?> ParseArray()
    {
        _pos++;
        _depth++;
        var items = new List<object?>();
        while (true)
        {
            SkipWhitespaceCommentsAndNewlines();
            if (Current == ']')
            {
                _pos++;
                _depth--;
                return items;
            }

            items.Add(ParseValue());
            SkipWhitespaceCommentsAndNewlines();
            if (Current == ',')
            {
                _pos++;
            }
            else if (Current != ']')
            {
                throw Error($"expected ',' or ']' in an array but found '{Describe(Current)}'");
            }
        }
    }

    private Dictionary<string, object?> ParseInlineTable()
    {
        _pos++;
        _depth++;
        var table = new Dictionary<string, object?>(StringComparer.Ordinal);
        SkipSpaces();
        if (Current == '}')
        {
            _pos++;
            _depth--;
            return table;
        }

        while (true)
        {
            var path = ParseKeyPath();
            SkipSpaces();
            Expect('=');
            SkipSpaces();
            Assign(table, path, ParseValue());
            SkipSpaces();
            if (Current == '}')
            {
                _pos++;
                _depth--;
                return table;
            }

            Expect(',');
        }
    }

    private void Expect(char c)
    {
        if (Current != c)
        {
            throw Error($"expected '{c}' but found '{Describe(Current)}'");
        }

        _pos++;
    }

    private void EndOfLine()
    {
        SkipSpaces();
        if (Current == '#')
        {
            SkipComment();
        }

        if (_pos < _text.Length && Current != '\n')
        {
            throw Error($"unexpected '{Describe(Current)}' after a value");
        }
    }

    private void SkipSpaces()
    {
        while (Current is ' ' or '\t' or '\r')
        {
            _pos++;
        }
    }

    private void SkipComment()
    {
        while (_pos < _text.Length && Current != '\n')
        {
            _pos++;
        }
    }

    private void SkipWhitespaceCommentsAndNewlines()
    {
        while (_pos < _text.Length)
        {
            if (Current is ' ' or '\t' or '\r' or '\n')
            {
                _pos++;
            }
            else if (Current == '#')
            {
                SkipComment();
            }
            else
            {
                return;
            }
        }
    }

    private static string Describe(char c) => c == '\0' ? "end of block" : c == '\n' ? "end of line" : c.ToString();
}
