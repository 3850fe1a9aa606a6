using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ScriptPlatform.Bench.Shared;

/// <summary>
/// One measured figure beside its baseline from the same run: the common row every bench writes to
/// bench/results/NAME.json ("figures") and that ./build.sh bench prints as one table.
/// </summary>
public sealed record Figure(
    [property: JsonPropertyName("bench")] string Bench,
    [property: JsonPropertyName("figure")] string Name,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("baseline")] string? Baseline,
    [property: JsonPropertyName("baseline_value")] double? BaselineValue,
    [property: JsonPropertyName("ratio")] double? Ratio,
    [property: JsonPropertyName("target")] string? Target,
    [property: JsonPropertyName("met")] bool? Met);

/// <summary>A target: its text as the issue states it, and the check of a figure against it (kept together so they cannot disagree).</summary>
public sealed record Target(string Text, Func<double, double?, double?, bool> Check)
{
    private static string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>value &lt;= limit, e.g. "&lt;= 10 ms".</summary>
    public static Target AtMost(double limit, string unit) => new($"<= {N(limit)} {unit}", (value, _, _) => value <= limit);

    /// <summary>value &gt;= limit, e.g. "&gt;= 500 /s".</summary>
    public static Target AtLeast(double limit, string unit) => new($">= {N(limit)} {unit}".TrimEnd(), (value, _, _) => value >= limit);

    /// <summary>value &lt; limit, e.g. "&lt; 1 ms".</summary>
    public static Target Below(double limit, string unit) => new($"< {N(limit)} {unit}", (value, _, _) => value < limit);

    /// <summary>value / baseline &gt;= factor, e.g. "&gt;= 3x".</summary>
    public static Target RatioAtLeast(double factor) => new($">= {N(factor)}x", (_, _, ratio) => ratio >= factor);

    /// <summary>value / baseline &lt;= factor, e.g. "&lt;= 1.5x".</summary>
    public static Target RatioAtMost(double factor) => new($"<= {N(factor)}x", (_, _, ratio) => ratio <= factor);

    /// <summary>value / baseline &lt; factor, e.g. "&lt; 1.2x" (growth under 20%).</summary>
    public static Target RatioBelow(double factor) => new($"< {N(factor)}x", (_, _, ratio) => ratio < factor);

    /// <summary>value - baseline &lt;= limit: an overhead over the baseline, e.g. "&lt;= +10 ms".</summary>
    public static Target OverheadAtMost(double limit, string unit) =>
        new($"<= +{N(limit)} {unit}", (value, baseline, _) => baseline is { } b && value - b <= limit);
}

/// <summary>
/// Collects a bench's figures and writes bench/results/NAME.json: the bench's own detail (if any) at the
/// top level, plus "figures", the load average at start and end and UTC timestamps. Create it when the
/// bench starts, so the start load is the one the measurements began under.
/// </summary>
public sealed class BenchFigures(string bench, string? loadAverageAtStart = null)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        // A failed measurement can be NaN; the file must still be written and read back.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly List<Figure> _figures = [];
    private readonly string _loadAtStart = loadAverageAtStart ?? LoadAverage();
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    public IReadOnlyList<Figure> Figures => _figures;

    /// <summary>Adds a figure; the ratio is value / baseline, and met is null when there is no target.</summary>
    public Figure Add(string figure, double value, string unit, string? baseline = null, double? baselineValue = null, Target? target = null)
    {
        double? ratio = baselineValue is { } b && b != 0 ? value / b : null;
        var row = new Figure(bench, figure, value, unit, baseline, baselineValue, ratio, target?.Text, target?.Check(value, baselineValue, ratio));
        _figures.Add(row);
        return row;
    }

    /// <summary>Writes bench/results/NAME.json and returns its path; the detail keeps its own naming when given its options.</summary>
    public string Write(object? detail = null, JsonSerializerOptions? detailOptions = null)
    {
        var document = detail is null ? new JsonObject() : JsonSerializer.SerializeToNode(detail, detailOptions ?? Json)!.AsObject();
        document["bench"] = bench;
        document["started_utc"] = _started;
        document["utc"] = DateTimeOffset.UtcNow;
        document["load_average_start"] = _loadAtStart;
        document["load_average_end"] = LoadAverage();
        document["figures"] = JsonSerializer.SerializeToNode(_figures, Json);
        var path = Path.Combine(ResultsDirectory(), bench + ".json");
        File.WriteAllText(path, document.ToJsonString(Json));
        Console.WriteLine($"figures written to {path}");
        return path;
    }

    /// <summary>The 1, 5 and 15 minute load averages ("1.02 0.87 0.65").</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>
    /// bench/results of this checkout: BENCH_RESULTS when set, else found above the bench's binary
    /// (bench/NAME/bin/...), so it does not depend on the directory the bench was started from.
    /// </summary>
    public static string ResultsDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("BENCH_RESULTS");
        var directory = configured ?? FindUp(AppContext.BaseDirectory) ?? FindUp(Environment.CurrentDirectory)
            ?? throw new InvalidOperationException("bench/results not found above the bench binary; set BENCH_RESULTS");
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static string? FindUp(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.sh")) && Directory.Exists(Path.Combine(dir.FullName, "bench")))
            {
                return Path.Combine(dir.FullName, "bench", "results");
            }
        }

        return null;
    }
}
