using System.Globalization;
using System.Text.Json;
using ScriptPlatform.Bench.Shared;

namespace ScriptPlatform.Bench.Grpc;

/// <summary>Prints the measurements of one run as a table, with ratios against the grpc-js server, and saves them as JSON.</summary>
public static class Report
{
    public const string Ours = "grpc-dotnet";
    public const string Baseline = "grpc-js";

    private static readonly JsonSerializerOptions Read = new() { PropertyNameCaseInsensitive = true };
    private static readonly JsonSerializerOptions Write = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <param name="loadAtStart">The load average when run.sh started measuring (this report runs at the end).</param>
    public static int Print(string file, string? loadAtStart = null)
    {
        var results = File.ReadAllLines(file).Where(l => l.StartsWith('{')).Select(l => JsonSerializer.Deserialize<Result>(l, Read)!).ToList();
        Result? Find(string server, string client, int concurrency) =>
            results.FirstOrDefault(r => r.Label == $"{server}/{client}" && r.Concurrency == concurrency);

        // The ratio is against the grpc-js server measured by the same client in the same run:
        // figures from another run on this shared machine would not be comparable.
        var rows = results
            .Select(r => (Result: r, Parts: r.Label.Split('/', 2)))
            .Select(r => new Row(r.Parts[0], r.Parts[1], r.Result.Concurrency, r.Result.CallsPerSecond, r.Result.P50Ms, r.Result.P99Ms,
                r.Result.CallsPerSecond / (Find(Baseline, r.Parts[1], r.Result.Concurrency)?.CallsPerSecond ?? double.NaN)))
            .OrderBy(r => r.Concurrency).ThenBy(r => r.Client, StringComparer.Ordinal).ThenBy(r => r.Server, StringComparer.Ordinal)
            .ToList();

        Console.WriteLine();
        Console.WriteLine($"{"server",-12} {"client",-8} {"concurrency",11} {"calls/s",10} {"p50 ms",8} {"p99 ms",8} {"vs grpc-js server",18}");
        Console.WriteLine(new string('-', 81));
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Server,-12} {r.Client,-8} {r.Concurrency,11} {r.CallsPerSecond,10:0} {r.P50Ms,8:0.000} {r.P99Ms,8:0.000} {r.VsGrpcJsServer,17:0.00}x"));
        }

        // The issue's targets, both measured with the .NET client.
        var ratio64 = rows.FirstOrDefault(r => r is { Server: Ours, Client: "dotnet", Concurrency: 64 })?.VsGrpcJsServer ?? double.NaN;
        var p99 = Find(Ours, "dotnet", 1)?.P99Ms ?? double.NaN;
        TargetResult[] targets =
        [
            new TargetResult("grpc-dotnet server, .NET client, 64 concurrent calls: calls/s vs the grpc-js server", ratio64, ">= 3", ratio64 >= 3),
            new TargetResult("grpc-dotnet server, .NET client, sequential: p99 ms", p99, "< 1", p99 < 1),
        ];
        Console.WriteLine();
        foreach (var t in targets)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"target: {t.Name} {t.Threshold}: {t.Value:0.000} {(t.Met ? "MET" : "NOT MET")}"));
        }

        // bench/results/grpc.json: the detail (camelCase, as before) and the common figures.
        Figures(rows, loadAtStart).Write(new { Date = DateTimeOffset.UtcNow, Environment.ProcessorCount, Results = rows, Targets = targets }, Write);
        return 0;
    }

    /// <summary>Each grpc-dotnet measurement beside the grpc-js server's, measured by the same client in the same rounds.</summary>
    private static BenchFigures Figures(List<Row> rows, string? loadAtStart)
    {
        var figures = new BenchFigures("grpc", loadAtStart);
        foreach (var ours in rows.Where(r => r.Server == Ours))
        {
            var theirs = rows.FirstOrDefault(r => r.Server == Baseline && r.Client == ours.Client && r.Concurrency == ours.Concurrency);
            var calls = ours.Concurrency == 1 ? "unary sequential" : $"unary {ours.Concurrency} concurrent";
            var client = ours.Client == "dotnet" ? ".NET client" : $"{ours.Client} client";
            figures.Add($"{calls}, {client}, calls/s", ours.CallsPerSecond, "calls/s", $"grpc-js server, {client}", theirs?.CallsPerSecond,
                ours is { Client: "dotnet", Concurrency: 64 } ? Target.RatioAtLeast(3) : null);
            if (ours.Concurrency == 1)
            {
                figures.Add($"{calls}, {client}, p99", ours.P99Ms, "ms", $"grpc-js server, {client}", theirs?.P99Ms,
                    ours.Client == "dotnet" ? Target.Below(1, "ms") : null);
            }
        }

        return figures;
    }

    private sealed record Row(string Server, string Client, int Concurrency, double CallsPerSecond, double P50Ms, double P99Ms, double VsGrpcJsServer);

    private sealed record TargetResult(string Name, double Value, string Threshold, bool Met);
}
