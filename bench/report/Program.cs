using System.Globalization;
using System.Text.Json;
using ScriptPlatform.Bench.Shared;

// report [--summary] [--failed NAME]... [NAME...]
//   Prints the figures of bench/results/NAME.json (every bench's file when no NAME is given) as one table,
//   each figure beside its baseline from the same run. --summary also writes bench/results/summary.json
//   with every row and the benches that failed (--failed, passed by ./build.sh bench).
var summary = args.Contains("--summary");
var failed = args.Zip(args.Skip(1)).Where(p => p.First == "--failed").Select(p => p.Second).ToList();
var names = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || args[i - 1] != "--failed")).ToList();
var results = BenchFigures.ResultsDirectory();
if (names.Count == 0)
{
    names = Directory.GetFiles(results, "*.json").Select(f => Path.GetFileNameWithoutExtension(f))
        .Where(n => n != "summary").Order(StringComparer.Ordinal).ToList();
}

var figures = new List<Figure>();
var notes = new List<string>();
foreach (var name in names)
{
    var file = Path.Combine(results, name + ".json");
    if (!File.Exists(file))
    {
        notes.Add($"{name}: no results ({(failed.Contains(name) ? "the bench failed" : "not run")})");
        continue;
    }

    using var document = JsonDocument.Parse(File.ReadAllText(file));
    if (!document.RootElement.TryGetProperty("figures", out var rows))
    {
        notes.Add($"{name}: {file} has no \"figures\" (written before the common format)");
        continue;
    }

    figures.AddRange(rows.Deserialize<List<Figure>>(BenchFigures.Json) ?? []);
    var load = (Start: Text(document.RootElement, "load_average_start"), End: Text(document.RootElement, "load_average_end"));
    notes.Add($"{name}: {Text(document.RootElement, "utc")}, load average {load.Start} at start, {load.End} at end");
}

string[] header = ["bench", "figure", "value", "baseline", "ratio", "target", "met"];
var table = figures.Select(f => new[]
{
    f.Bench,
    f.Name,
    WithUnit(f.Value, f.Unit),
    f.Baseline is null ? "" : $"{WithUnit(f.BaselineValue, f.Unit)} ({f.Baseline})",
    f.Ratio is { } r ? Number(r) + "x" : "",
    f.Target ?? "",
    f.Met switch { true => "yes", false => "NO", null => "" },
}).ToList();
var widths = header.Select((h, i) => table.Select(row => row[i].Length).Append(h.Length).Max()).ToArray();
string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => i is 2 or 4 ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))) + " |";

Console.WriteLine();
Console.WriteLine(Line(header));
Console.WriteLine("|" + string.Join("|", widths.Select((w, i) => i is 2 or 4 ? new string('-', w + 1) + ":" : new string('-', w + 2))) + "|");
table.ForEach(row => Console.WriteLine(Line(row)));
Console.WriteLine();
notes.ForEach(Console.WriteLine);

if (summary)
{
    var path = Path.Combine(results, "summary.json");
    File.WriteAllText(path, JsonSerializer.Serialize(
        new Dictionary<string, object?>
        {
            ["utc"] = DateTimeOffset.UtcNow,
            ["load_average"] = BenchFigures.LoadAverage(),
            ["benches"] = names,
            ["failed"] = failed,
            ["figures"] = figures,
        },
        BenchFigures.Json));
    Console.WriteLine($"summary written to {path}");
}

return 0;

static string Text(JsonElement root, string property) =>
    root.TryGetProperty(property, out var value) ? value.ToString() : "?";

// Enough digits to compare a figure with its baseline, not more.
static string Number(double? value) => value switch
{
    null => "",
    double v when double.IsNaN(v) || double.IsInfinity(v) => v.ToString(CultureInfo.InvariantCulture),
    double v when Math.Abs(v) >= 100 => v.ToString("#,0", CultureInfo.InvariantCulture),
    double v when Math.Abs(v) >= 10 => v.ToString("0.0", CultureInfo.InvariantCulture),
    double v when Math.Abs(v) >= 1 => v.ToString("0.00", CultureInfo.InvariantCulture),
    double v => v.ToString("0.000", CultureInfo.InvariantCulture),
};

static string WithUnit(double? value, string unit) => unit.Length == 0 ? Number(value) : $"{Number(value)} {unit}";
