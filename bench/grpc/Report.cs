using System.Globalization;
using System.Text.Json;

namespace ScriptPlatform.Bench.Grpc;

/// <summary>Prints the measurements of one run as a table, with ratios against the grpc-js server, and saves them as JSON.</summary>
public static class Report
{
    public const string Ours = "grpc-dotnet";
    public const string Baseline = "grpc-js";

    private static readonly JsonSerializerOptions Read = new() { PropertyNameCaseInsensitive = true };
    private static readonly JsonSerializerOptions Write = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static int Print(string file, string jsonFile)
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
        Target[] targets =
        [
            new("grpc-dotnet server, .NET client, 64 concurrent calls: calls/s vs the grpc-js server", ratio64, ">= 3", ratio64 >= 3),
            new("grpc-dotnet server, .NET client, sequential: p99 ms", p99, "< 1", p99 < 1),
        ];
        Console.WriteLine();
        foreach (var t in targets)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"target: {t.Name} {t.Threshold}: {t.Value:0.000} {(t.Met ? "MET" : "NOT MET")}"));
        }

        File.WriteAllText(jsonFile, JsonSerializer.Serialize(new { Date = DateTimeOffset.UtcNow, Environment.ProcessorCount, Results = rows, Targets = targets }, Write));
        Console.WriteLine($"saved to {Path.GetFullPath(jsonFile)}");
        return 0;
    }

    private sealed record Row(string Server, string Client, int Concurrency, double CallsPerSecond, double P50Ms, double P99Ms, double VsGrpcJsServer);

    private sealed record Target(string Name, double Value, string Threshold, bool Met);
}
