using System.Text.RegularExpressions;

namespace ScriptPlatform.Registry.Domain;

/// <summary>
/// The script name rule <c>^[a-z][a-z0-9_]{0,63}\z</c> and the generated form <c>category_task_NNN</c>.
/// ASCII only on purpose: names become file names in the project and user tiers, so path separators,
/// dots and look-alike letters (Cyrillic 'а', fullwidth forms) must never get through.
/// </summary>
public static partial class ScriptNames
{
    public const int MaxLength = 64;

    /// <summary>Null when valid, else what is wrong and how to fix it.</summary>
    public static string? Validate(string? name, string what = "script name")
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"the {what} is empty; names look like math_addition_001 (lower-case ASCII letters, digits, '_')";
        }

        if (name.Length > MaxLength)
        {
            return $"the {what} is {name.Length} characters long; at most {MaxLength} are allowed";
        }

        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.Contains("..", StringComparison.Ordinal))
        {
            return $"the {what} '{Printable(name)}' contains a path separator or '..'; names are plain identifiers such as math_addition_001";
        }

        foreach (var c in name)
        {
            if (c > 0x7F)
            {
                return $"the {what} '{Printable(name)}' contains the non-ASCII character U+{(int)c:X4}; only a-z, 0-9 and '_' are allowed (look-alike letters are rejected)";
            }
        }

        if (name.Any(char.IsUpper))
        {
            return $"the {what} '{name}' contains upper-case letters; use lower case ('{name.ToLowerInvariant()}')";
        }

        if (!NameRegex().IsMatch(name))
        {
            return $"the {what} '{Printable(name)}' must start with a letter a-z and contain only a-z, 0-9 and '_' (pattern ^[a-z][a-z0-9_]{{0,63}}\\z)";
        }

        return null;
    }

    /// <summary>Splits a generated name into its prefix (category_task) and number, if it has that shape.</summary>
    public static bool TryParseGenerated(string name, out string prefix, out int number)
    {
        var match = GeneratedRegex().Match(name);
        if (match.Success && int.TryParse(match.Groups[2].ValueSpan, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number))
        {
            prefix = match.Groups[1].Value;
            return true;
        }

        prefix = "";
        number = 0;
        return false;
    }

    /// <summary>The category implied by a generated name (text before the first '_'), or null.</summary>
    public static string? CategoryOf(string name) =>
        TryParseGenerated(name, out var prefix, out _) && prefix.Contains('_', StringComparison.Ordinal) ? prefix[..prefix.IndexOf('_', StringComparison.Ordinal)] : null;

    public static string Format(string prefix, int number) => $"{prefix}_{number:D3}";

    private static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).Take(80).ToArray());

    // \z, not $: '$' also matches before a final '\n', which would let "abc\n" through as a name.
    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();

    [GeneratedRegex(@"^([a-z][a-z0-9_]*?)_([0-9]{3,9})\z", RegexOptions.CultureInvariant)]
    private static partial Regex GeneratedRegex();
}
