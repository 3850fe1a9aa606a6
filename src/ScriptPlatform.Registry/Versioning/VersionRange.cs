using System.Diagnostics.CodeAnalysis;

namespace ScriptPlatform.Registry.Versioning;

/// <summary>
/// A version selector: empty or "latest"; an exact strict semver ("1.2.3"); a caret ("^1.2", "^0.2.3")
/// or tilde ("~1.2.3", "~1.2") range; an x-range ("1.2", "1.x", "*"); or space-separated comparators
/// that must all hold ("&gt;=1.0.0 &lt;2.0.0"). Ranges follow npm: a pre-release satisfies a range only
/// when some comparator names a pre-release of the same MAJOR.MINOR.PATCH.
/// </summary>
public sealed class VersionRange
{
    private readonly List<Comparator> _comparators;

    private VersionRange(string text, bool isLatest, SemVersion? exact, List<Comparator> comparators)
    {
        Text = text;
        IsLatest = isLatest;
        Exact = exact;
        _comparators = comparators;
    }

    public static VersionRange Latest { get; } = new("latest", true, null, []);

    public string Text { get; }

    /// <summary>The selector means "the latest version" (empty or "latest").</summary>
    public bool IsLatest { get; }

    /// <summary>Set when the selector is one exact version.</summary>
    public SemVersion? Exact { get; }

    public static VersionRange Parse(string? text) =>
        TryParse(text, out var range, out var error) ? range : throw new FormatException(error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out VersionRange? range, out string error)
    {
        range = null;
        var trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0 || trimmed.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            range = Latest;
            error = "";
            return true;
        }

        if (trimmed.Length > 256)
        {
            error = "the version selector is longer than 256 characters";
            return false;
        }

        if (SemVersion.TryParse(trimmed, out var exact))
        {
            range = new VersionRange(trimmed, false, exact, [new Comparator(Op.Eq, exact)]);
            error = "";
            return true;
        }

        var comparators = new List<Comparator>();
        foreach (var token in trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryParseToken(token, comparators, out error))
            {
                error = $"'{trimmed}' is not a valid version selector: {error}. Use latest, an exact version (1.2.3), ^1.2, ~1.2.3, 1.x or '>=1.0.0 <2.0.0'";
                return false;
            }
        }

        range = new VersionRange(trimmed, false, null, comparators);
        error = "";
        return true;
    }

    public bool IsSatisfiedBy(SemVersion version)
    {
        if (IsLatest)
        {
            return true;
        }

        foreach (var c in _comparators)
        {
            if (!c.Matches(version))
            {
                return false;
            }
        }

        if (version.IsPrerelease && Exact is null)
        {
            // npm's rule: pre-releases only match when a comparator opts in on the same core version.
            return _comparators.Any(c => c.Op != Op.LtUpper && c.Version.IsPrerelease && c.Version.Core == version.Core);
        }

        return true;
    }

    /// <summary>The highest version that satisfies the selector, or null.</summary>
    public SemVersion? BestMatch(IEnumerable<SemVersion> versions) =>
        versions.Where(IsSatisfiedBy).Max();

    public override string ToString() => Text;

    private static bool TryParseToken(string token, List<Comparator> comparators, out string error)
    {
        if (token[0] == '^' || token[0] == '~')
        {
            if (!TryParsePartial(token[1..], out var p, out error))
            {
                return false;
            }

            var lower = SemVersion.Create(p.Major ?? 0, p.Minor ?? 0, p.Patch ?? 0, p.Prerelease);
            SemVersion upper;
            if (token[0] == '~')
            {
                // ~1.2.3 := >=1.2.3 <1.3.0; ~1 := >=1.0.0 <2.0.0
                upper = p.Minor is null ? SemVersion.Create(p.Major!.Value + 1, 0, 0, ["0"]) : SemVersion.Create(p.Major!.Value, p.Minor.Value + 1, 0, ["0"]);
            }
            else if ((p.Major ?? 0) > 0 || p.Minor is null)
            {
                upper = SemVersion.Create(p.Major!.Value + 1, 0, 0, ["0"]);
            }
            else if (p.Minor > 0 || p.Patch is null)
            {
                upper = SemVersion.Create(0, p.Minor!.Value + 1, 0, ["0"]);
            }
            else
            {
                upper = SemVersion.Create(0, 0, p.Patch.Value + 1, ["0"]);
            }

            comparators.Add(new Comparator(Op.Ge, lower));
            comparators.Add(new Comparator(Op.LtUpper, upper));
            return true;
        }

        var (op, rest) = token switch
        {
            _ when token.StartsWith(">=", StringComparison.Ordinal) => (Op.Ge, token[2..]),
            _ when token.StartsWith("<=", StringComparison.Ordinal) => (Op.Le, token[2..]),
            _ when token.StartsWith('>') => (Op.Gt, token[1..]),
            _ when token.StartsWith('<') => (Op.Lt, token[1..]),
            _ when token.StartsWith('=') => (Op.Eq, token[1..]),
            _ => (Op.XRange, token),
        };

        if (op != Op.XRange)
        {
            if (!SemVersion.TryParse(rest, out var version, out error))
            {
                error = $"comparator '{token}' needs a full MAJOR.MINOR.PATCH version ({error})";
                return false;
            }

            comparators.Add(new Comparator(op, version));
            return true;
        }

        if (!TryParsePartial(token, out var x, out error))
        {
            return false;
        }

        if (x.Major is null)
        {
            comparators.Add(new Comparator(Op.Ge, SemVersion.Create(0, 0, 0)));
            return true;
        }

        if (x.Patch is not null)
        {
            error = $"'{token}' is neither a version nor a range";
            return false;
        }

        comparators.Add(new Comparator(Op.Ge, SemVersion.Create(x.Major.Value, x.Minor ?? 0, 0)));
        comparators.Add(new Comparator(Op.LtUpper, x.Minor is null
            ? SemVersion.Create(x.Major.Value + 1, 0, 0, ["0"])
            : SemVersion.Create(x.Major.Value, x.Minor.Value + 1, 0, ["0"])));
        return true;
    }

    private sealed record Partial(ulong? Major, ulong? Minor, ulong? Patch, string[]? Prerelease);

    /// <summary>"1", "1.2", "1.2.3", "1.2.3-rc.1", with "x", "X" or "*" for a missing part.</summary>
    private static bool TryParsePartial(string text, out Partial partial, out string error)
    {
        partial = new Partial(null, null, null, null);
        if (text.Length == 0)
        {
            error = "a version is missing after the operator";
            return false;
        }

        if (text.Contains('-', StringComparison.Ordinal) || text.Contains('+', StringComparison.Ordinal))
        {
            if (!SemVersion.TryParse(text, out var full, out error))
            {
                return false;
            }

            partial = new Partial(full.Major, full.Minor, full.Patch, [.. full.Prerelease]);
            return true;
        }

        var parts = text.Split('.');
        if (parts.Length > 3)
        {
            error = $"'{text}' has more than three parts";
            return false;
        }

        var numbers = new ulong?[3];
        var wildcard = false;
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i] is "x" or "X" or "*")
            {
                wildcard = true;
                continue;
            }

            if (wildcard || parts[i].Length == 0 || parts[i].Any(c => c is < '0' or > '9') || (parts[i].Length > 1 && parts[i][0] == '0')
                || !ulong.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                error = $"'{parts[i]}' in '{text}' is not a number without leading zeros";
                return false;
            }

            numbers[i] = n;
        }

        partial = new Partial(numbers[0], numbers[1], numbers[2], null);
        error = "";
        return true;
    }

    private enum Op
    {
        Eq,
        Gt,
        Ge,
        Lt,
        Le,
        // "< upper" where upper is X.Y.Z-0: excludes pre-releases of the next version too.
        LtUpper,
        XRange,
    }

    private sealed record Comparator(Op Op, SemVersion Version)
    {
        public bool Matches(SemVersion v)
        {
            var c = v.CompareTo(Version);
            return Op switch
            {
                Op.Eq => c == 0,
                Op.Gt => c > 0,
                Op.Ge => c >= 0,
                Op.Lt or Op.LtUpper => c < 0,
                Op.Le => c <= 0,
                _ => false,
            };
        }
    }
}
