using System.Diagnostics;
using System.Text.Json;
using Grpc.Net.Client;

namespace ScriptPlatform.Bench.Grpc;

/// <summary>
/// The Grpc.Net.Client side. On a shared machine the load changes from second to second, so the
/// servers are measured in interleaved rounds (server A, server B, A, B, ...) and the median round is
/// reported: both servers see the same conditions. Latencies are pooled over all rounds.
/// </summary>
public static class BenchClient
{
    public static readonly int[] Concurrencies = [1, 64];

    public static async Task<int> RunAsync(string clientName, double seconds, int rounds, string[] targets)
    {
        // One channel per server, shared by all concurrent callers, as a service holds one per peer.
        var servers = targets.Select(t => t.Split('=', 2))
            .Select(p => (Name: p[0], Client: new BenchService.BenchServiceClient(GrpcChannel.ForAddress($"http://{p[1]}"))))
            .ToArray();
        var samples = new Dictionary<(string Server, int Concurrency), List<(double CallsPerSecond, double[] Latencies)>>();

        // Warm-up: connections, JIT, tiered compilation.
        foreach (var (_, client) in servers)
        {
            foreach (var concurrency in Concurrencies)
            {
                await MeasureAsync(client, concurrency, TimeSpan.FromSeconds(0.75));
            }
        }

        for (var round = 0; round < rounds; round++)
        {
            foreach (var concurrency in Concurrencies)
            {
                foreach (var (name, client) in servers)
                {
                    var sample = await MeasureAsync(client, concurrency, TimeSpan.FromSeconds(seconds));
                    var key = (name, concurrency);
                    if (!samples.TryGetValue(key, out var list))
                    {
                        samples[key] = list = [];
                    }

                    list.Add(sample);
                }
            }
        }

        foreach (var ((server, concurrency), list) in samples)
        {
            var median = list.Select(s => s.CallsPerSecond).Order().ElementAt(list.Count / 2);
            var latencies = list.SelectMany(s => s.Latencies).Order().ToArray();
            Console.WriteLine(JsonSerializer.Serialize(new Result(
                $"{server}/{clientName}", concurrency, median, Percentile(latencies, 0.50), Percentile(latencies, 0.99))));
        }

        return 0;
    }

    private static async Task<(double CallsPerSecond, double[] Latencies)> MeasureAsync(
        BenchService.BenchServiceClient client, int concurrency, TimeSpan duration)
    {
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var perWorker = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var latencies = new List<double>(50_000);
            var request = new BenchRequest { Text = "hello from the benchmark", Id = worker };
            while (Stopwatch.GetTimestamp() < end)
            {
                var callStart = Stopwatch.GetTimestamp();
                var reply = await client.EchoAsync(request);
                latencies.Add(Stopwatch.GetElapsedTime(callStart).TotalMilliseconds);
                if (reply.Id != worker)
                {
                    throw new InvalidOperationException("Reply for another request.");
                }
            }

            return latencies;
        }));
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var all = perWorker.SelectMany(l => l).ToArray();
        return (all.Length / elapsed, all);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

/// <summary>
/// One measurement as printed by both clients (this one and grpcjs.mjs): "server/client", the median
/// round's calls/s, latencies in ms pooled over all rounds.
/// </summary>
public sealed record Result(string Label, int Concurrency, double CallsPerSecond, double P50Ms, double P99Ms);
