using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ScriptPlatform.Sandbox.Limits;

namespace ScriptPlatform.Sandbox.Metadata;

/// <summary>
/// Parses a script's PEP 723 <c># /// script</c> block and docstring into <see cref="ScriptMetadata"/>.
/// Strict: unknown platform keys, wrong types and malformed TOML are errors that name the problem.
/// </summary>
public static partial class ScriptMetadataParser
{
    public const string ToolTable = "scriptplatform";

    /// <summary>
    /// The highest <c>cost_per_unit</c> (USD): no real price is near it, and it keeps cost × units far
    /// inside <see cref="decimal"/> and <see cref="double"/>, which every consumer computes in.
    /// </summary>
    public const double MaxCostPerUnit = 1_000_000;

    private static readonly HashSet<string> ParameterTypes = ["string", "integer", "number", "boolean", "array", "object", "any"];

    // Distributions whose import name is not their normalised project name.
    private static readonly Dictionary<string, string> KnownImportNames = new(StringComparer.Ordinal)
    {
        ["pillow"] = "PIL",
        ["pyyaml"] = "yaml",
        ["beautifulsoup4"] = "bs4",
        ["scikit_learn"] = "sklearn",
        ["python_dateutil"] = "dateutil",
        ["opencv_python"] = "cv2",
        ["pyjwt"] = "jwt",
        ["protobuf"] = "google.protobuf",
    };

    /// <summary>Parses the metadata of a script's source.</summary>
    /// <exception cref="ScriptMetadataException">The block is malformed or declares invalid values.</exception>
    public static ScriptMetadata Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var docstring = PythonDocstring.Extract(source);
        var block = FindScriptBlock(source);
        if (block is null)
        {
            return new ScriptMetadata { Docstring = docstring, Description = FirstLine(docstring) };
        }

        var toml = TomlSubsetParser.Parse(block);
        var tool = Table(toml, "tool", "[tool]");
        var platform = tool is null ? null : Table(tool, ToolTable, "[tool.scriptplatform]");
        foreach (var key in toml.Keys.Except(["dependencies", "requires-python", "tool"]))
        {
            throw new ScriptMetadataException($"metadata block: unknown top-level key '{key}' (platform keys belong in [tool.scriptplatform])");
        }

        foreach (var key in platform?.Keys.Except(["category", "description", "params", "timeout", "network", "cost_per_unit", "cost_unit"]) ?? [])
        {
            throw new ScriptMetadataException($"[tool.scriptplatform]: unknown key '{key}'");
        }

        // Ranges are checked here, where the key is known, so no consumer meets a value it cannot convert
        // (decimal, int seconds) or a NaN; Number has already refused infinities.
        var timeout = Number(platform, "timeout");
        if (timeout is not null && timeout is not (> 0 and <= LimitResolver.AbsurdTimeoutSeconds))
        {
            throw new ScriptMetadataException(
                $"[tool.scriptplatform]: timeout must be a positive number of seconds up to {LimitResolver.AbsurdTimeoutSeconds:0} (a day), not {Show(timeout.Value)}");
        }

        var cost = Number(platform, "cost_per_unit");
        if (cost is < 0)
        {
            throw new ScriptMetadataException("[tool.scriptplatform]: cost_per_unit must not be negative");
        }

        if (cost is > MaxCostPerUnit)
        {
            throw new ScriptMetadataException($"[tool.scriptplatform]: cost_per_unit must be at most {MaxCostPerUnit:0} (USD per unit), not {Show(cost.Value)}");
        }

        return new ScriptMetadata
        {
            Docstring = docstring,
            Description = String(platform, "description") ?? FirstLine(docstring),
            Category = String(platform, "category"),
            Dependencies = StringList(toml, "dependencies"),
            RequiresPython = String(toml, "requires-python"),
            Parameters = Parameters(platform),
            TimeoutSeconds = timeout,
            Network = Boolean(platform, "network") ?? false,
            CostPerUnit = cost is null ? null : (decimal)cost.Value,
            CostUnit = String(platform, "cost_unit"),
        };
    }

    /// <summary>
    /// The Python import name of a PEP 508 requirement (<c>"requests>=2"</c> → <c>requests</c>),
    /// used to check inside the sandbox that a declared dependency is installed.
    /// </summary>
    public static string ImportName(string requirement)
    {
        var match = RequirementName().Match(requirement.Trim());
        if (!match.Success)
        {
            throw new ScriptMetadataException($"dependency '{requirement}' is not a valid requirement");
        }

        var normalised = Separators().Replace(match.Value.ToLowerInvariant(), "_");
        return KnownImportNames.GetValueOrDefault(normalised, normalised);
    }

    private static string? FindScriptBlock(string source)
    {
        var normalised = source.Replace("\r\n", "\n", StringComparison.Ordinal);
        // The PEP 723 expression is greedy, so two blocks would read as one: count the openers.
        if (normalised.Split('\n').Count(line => line == "# /// script") > 1)
        {
            throw new ScriptMetadataException("more than one '# /// script' block (PEP 723 allows one)");
        }

        return Pep723Blocks.Find(normalised).FirstOrDefault(b => b.Type == "script").Content;
    }

    private static IReadOnlyList<ScriptParameter> Parameters(Dictionary<string, object?>? platform)
    {
        var table = platform is null ? null : Table(platform, "params", "[tool.scriptplatform] params");
        if (table is null)
        {
            return [];
        }

        var result = new List<ScriptParameter>();
        foreach (var (name, value) in table)
        {
            var where = $"[tool.scriptplatform.params] {name}";
            var spec = value switch
            {
                string shorthand => new Dictionary<string, object?> { ["type"] = shorthand },
                Dictionary<string, object?> d => d,
                _ => throw new ScriptMetadataException($"{where}: expected a type name or a table like {{ type = \"number\", required = true }}"),
            };
            foreach (var key in spec.Keys.Except(["type", "required", "description", "default"]))
            {
                throw new ScriptMetadataException($"{where}: unknown key '{key}'");
            }

            var type = String(spec, "type") ?? "any";
            if (!ParameterTypes.Contains(type))
            {
                throw new ScriptMetadataException($"{where}: type '{type}' is not one of {string.Join(", ", ParameterTypes)}");
            }

            JsonElement? defaultValue = spec.TryGetValue("default", out var d0) ? JsonSerializer.SerializeToElement(Finite(d0, $"{where}: default")) : null;
            result.Add(new ScriptParameter(name, type, Boolean(spec, "required") ?? defaultValue is null, String(spec, "description"), defaultValue));
        }

        return result;
    }

    private static Dictionary<string, object?>? Table(Dictionary<string, object?> parent, string key, string where) =>
        parent.GetValueOrDefault(key) switch
        {
            null => null,
            Dictionary<string, object?> table => table,
            _ => throw new ScriptMetadataException($"{where} must be a table"),
        };

    private static string? String(Dictionary<string, object?>? table, string key) =>
        table?.GetValueOrDefault(key) switch
        {
            null => null,
            string s => s,
            _ => throw new ScriptMetadataException($"'{key}' must be a string"),
        };

    private static double? Number(Dictionary<string, object?>? table, string key) =>
        table?.GetValueOrDefault(key) switch
        {
            null => null,
            long l => l,
            double d => Finite(d, $"[tool.scriptplatform]: '{key}'"),
            var other => throw new ScriptMetadataException($"'{key}' must be a number, not {Convert.ToString(other, CultureInfo.InvariantCulture)}"),
        };

    // TOML reads a float beyond double's range (1e400) as infinity; JSON, decimal and int cannot carry it.
    private static double Finite(double value, string what) =>
        double.IsFinite(value) ? value : throw new ScriptMetadataException($"{what} is out of range ({(double.IsNaN(value) ? "not a number" : "it overflows to infinity")}): numbers must be finite, within ±1.7e308");

    // A default is any TOML value; every number in it, however deeply nested, must be finite too.
    private static object? Finite(object? value, string what)
    {
        switch (value)
        {
            case double d:
                Finite(d, what);
                break;
            case List<object?> items:
                items.ForEach(item => Finite(item, what));
                break;
            case Dictionary<string, object?> table:
                foreach (var item in table.Values)
                {
                    Finite(item, what);
                }

                break;
        }

        return value;
    }

    private static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static bool? Boolean(Dictionary<string, object?>? table, string key) =>
        table?.GetValueOrDefault(key) switch
        {
            null => null,
            bool b => b,
            _ => throw new ScriptMetadataException($"'{key}' must be true or false"),
        };

    private static IReadOnlyList<string> StringList(Dictionary<string, object?> table, string key)
    {
        if (table.GetValueOrDefault(key) is not { } value)
        {
            return [];
        }

        if (value is not List<object?> items || items.Any(i => i is not string))
        {
            throw new ScriptMetadataException($"'{key}' must be an array of strings");
        }

        var list = items.Cast<string>().ToList();
        list.ForEach(d => ImportName(d)); // validates each requirement early
        return list;
    }

    private static string? FirstLine(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Split('\n', 2)[0].Trim();

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")]
    private static partial Regex RequirementName();

    [GeneratedRegex(@"[-_.]+")]
    private static partial Regex Separators();
}
