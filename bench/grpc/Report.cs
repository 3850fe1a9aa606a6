using System.Globalization;
using System.Text.Json;

namespace ScriptPlatform.Bench.Grpc;

/// <summary>Prints the measurements of one run as a table, with ratios against the grpc-js server.</summary>
public static class Report
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static int Print(string file)
    {
        var results = File.ReadAllLines(file).Where(l => l.StartsWith('{')).Select(l => JsonSerializer.Deserialize<Result>(l, Json)!).ToList();
        Result? Find(string label, int concurrency) => results.FirstOrDefault(r => r.Label == label && r.Concurrency == concurrency);

        Console.WriteLine();
        Console.WriteLine($"{"server",-10} {"client",-10} {"concurrency",11} {"calls/s",10} {"p50 ms",8} {"p99 ms",8} {"vs grpc-js server",18}");
        Console.WriteLine(new string('-', 80));
        foreach (var r in results.OrderBy(r => r.Concurrency).ThenBy(r => r.Label, StringComparer.Ordinal))
        {
            var (server, client) = Split(r.Label);
            var baseline = server == "ours" ? Find($"grpc-js/{client}", r.Concurrency) : null;
            var ratio = baseline is null ? "" : (r.CallsPerSecond / baseline.CallsPerSecond).ToString("0.00x", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{server,-10} {client,-10} {r.Concurrency,11} {r.CallsPerSecond,10:0} {r.P50Ms,8:0.000} {r.P99Ms,8:0.000} {ratio,18}"));
        }

        var ours64 = Find("ours/dotnet", 64);
        var theirs64 = Find("grpc-js/dotnet", 64);
        var sequential = Find("ours/dotnet", 1);
        Console.WriteLine();
        if (ours64 is not null && theirs64 is not null)
        {
            var ratio = ours64.CallsPerSecond / theirs64.CallsPerSecond;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"target: our server at 64-way >= 3x the grpc-js server (same .NET client): {ratio:0.00}x {(ratio >= 3 ? "MET" : "NOT MET")}"));
        }

        if (sequential is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"target: sequential p99 < 2 ms (ours/dotnet): {sequential.P99Ms:0.000} ms {(sequential.P99Ms < 2 ? "MET" : "NOT MET")}"));
        }

        return 0;
    }

    private static (string Server, string Client) Split(string label)
    {
        var slash = label.IndexOf('/', StringComparison.Ordinal);
        return (label[..slash], label[(slash + 1)..]);
    }
}
