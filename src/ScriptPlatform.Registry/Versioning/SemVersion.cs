using System.Diagnostics.CodeAnalysis;

namespace ScriptPlatform.Registry.Versioning;

/// <summary>
/// A strict Semantic Versioning 2.0.0 version (semver.org): MAJOR.MINOR.PATCH, optional pre-release and
/// build metadata, no leading zeros, no "v" prefix, no partial forms. Precedence ignores build metadata.
/// Written here because NuGet.Versioning accepts four-part and partial versions, which semver forbids.
/// </summary>
public sealed class SemVersion : IComparable<SemVersion>, IEquatable<SemVersion>
{
    private SemVersion(ulong major, ulong minor, ulong patch, string[] prerelease, string build, string text)
    {
        Major = major;
        Minor = minor;
        Patch = patch;
        Prerelease = prerelease;
        Build = build;
        Text = text;
    }

    public ulong Major { get; }

    public ulong Minor { get; }

    public ulong Patch { get; }

    /// <summary>Dot-separated pre-release identifiers; empty for a release.</summary>
    public IReadOnlyList<string> Prerelease { get; }

    /// <summary>Build metadata after '+', or empty.</summary>
    public string Build { get; }

    /// <summary>The version exactly as parsed.</summary>
    public string Text { get; }

    public bool IsPrerelease => Prerelease.Count > 0;

    public static SemVersion Parse(string text) =>
        TryParse(text, out var version, out var error) ? version : throw new FormatException(error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out SemVersion? version) => TryParse(text, out version, out _);

    /// <summary>Parses a strict semver; <paramref name="error"/> says what is wrong when it fails.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SemVersion? version, out string error)
    {
        version = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "the version is empty; use MAJOR.MINOR.PATCH, for example 1.0.0";
            return false;
        }

        if (text.Length > 128)
        {
            error = "the version is longer than 128 characters";
            return false;
        }

        var rest = text;
        var build = "";
        var plus = rest.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            build = rest[(plus + 1)..];
            rest = rest[..plus];
            if (!ValidIdentifiers(build, numericLeadingZeroAllowed: true, out error))
            {
                error = $"'{text}' has invalid build metadata: {error}";
                return false;
            }
        }

        string[] prerelease = [];
        var dash = rest.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            var pre = rest[(dash + 1)..];
            rest = rest[..dash];
            if (!ValidIdentifiers(pre, numericLeadingZeroAllowed: false, out error))
            {
                error = $"'{text}' has an invalid pre-release: {error}";
                return false;
            }

            prerelease = pre.Split('.');
        }

        var parts = rest.Split('.');
        if (parts.Length != 3)
        {
            error = $"'{text}' is not strict semver: it needs exactly MAJOR.MINOR.PATCH (three numbers), for example 1.2.0";
            return false;
        }

        var numbers = new ulong[3];
        for (var i = 0; i < 3; i++)
        {
            if (!IsNumeric(parts[i]))
            {
                error = $"'{text}' is not strict semver: '{parts[i]}' is not a non-negative integer";
                return false;
            }

            if (parts[i].Length > 1 && parts[i][0] == '0')
            {
                error = $"'{text}' is not strict semver: '{parts[i]}' has a leading zero";
                return false;
            }

            if (!ulong.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out numbers[i]))
            {
                error = $"'{text}' is not strict semver: '{parts[i]}' is too large";
                return false;
            }
        }

        version = new SemVersion(numbers[0], numbers[1], numbers[2], prerelease, build, text);
        error = "";
        return true;
    }

    public int CompareTo(SemVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        var c = Major.CompareTo(other.Major);
        if (c == 0)
        {
            c = Minor.CompareTo(other.Minor);
        }

        if (c == 0)
        {
            c = Patch.CompareTo(other.Patch);
        }

        return c != 0 ? c : ComparePrerelease(Prerelease, other.Prerelease);
    }

    /// <summary>Equal precedence (build metadata ignored), as semver defines equality for ordering.</summary>
    public bool Equals(SemVersion? other) => other is not null && CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is SemVersion other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Major, Minor, Patch, string.Join('.', Prerelease));

    public override string ToString() => Text;

    public static bool operator ==(SemVersion? a, SemVersion? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(SemVersion? a, SemVersion? b) => !(a == b);

    public static bool operator <(SemVersion a, SemVersion b) => a.CompareTo(b) < 0;

    public static bool operator >(SemVersion a, SemVersion b) => a.CompareTo(b) > 0;

    public static bool operator <=(SemVersion a, SemVersion b) => a.CompareTo(b) <= 0;

    public static bool operator >=(SemVersion a, SemVersion b) => a.CompareTo(b) >= 0;

    /// <summary>The same MAJOR.MINOR.PATCH without pre-release or build.</summary>
    internal (ulong Major, ulong Minor, ulong Patch) Core => (Major, Minor, Patch);

    internal static SemVersion Create(ulong major, ulong minor, ulong patch, string[]? prerelease = null)
    {
        prerelease ??= [];
        var text = $"{major}.{minor}.{patch}" + (prerelease.Length > 0 ? "-" + string.Join('.', prerelease) : "");
        return new SemVersion(major, minor, patch, prerelease, "", text);
    }

    private static int ComparePrerelease(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        // A release has higher precedence than any of its pre-releases.
        if (a.Count == 0 || b.Count == 0)
        {
            return a.Count == b.Count ? 0 : a.Count == 0 ? 1 : -1;
        }

        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            var aNumeric = IsNumeric(a[i]);
            var bNumeric = IsNumeric(b[i]);
            int c;
            if (aNumeric && bNumeric)
            {
                // Compare as numbers of arbitrary length: longer is larger (no leading zeros).
                c = a[i].Length != b[i].Length ? a[i].Length.CompareTo(b[i].Length) : string.CompareOrdinal(a[i], b[i]);
            }
            else if (aNumeric != bNumeric)
            {
                c = aNumeric ? -1 : 1;
            }
            else
            {
                c = string.CompareOrdinal(a[i], b[i]);
            }

            if (c != 0)
            {
                return c < 0 ? -1 : 1;
            }
        }

        return a.Count.CompareTo(b.Count);
    }

    private static bool IsNumeric(string s)
    {
        if (s.Length == 0)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    private static bool ValidIdentifiers(string dotted, bool numericLeadingZeroAllowed, out string error)
    {
        foreach (var id in dotted.Split('.'))
        {
            if (id.Length == 0)
            {
                error = "an identifier is empty";
                return false;
            }

            foreach (var c in id)
            {
                if (!(c is >= '0' and <= '9' or >= 'a' and <= 'z' or >= 'A' and <= 'Z' or '-'))
                {
                    error = $"'{id}' may contain only ASCII letters, digits and '-'";
                    return false;
                }
            }

            if (!numericLeadingZeroAllowed && id.Length > 1 && id[0] == '0' && IsNumeric(id))
            {
                error = $"numeric identifier '{id}' has a leading zero";
                return false;
            }
        }

        error = "";
        return true;
    }
}
