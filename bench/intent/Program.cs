using System.Diagnostics;
using System.Globalization;
using ScriptPlatform.Bench.Shared;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Intent.Tests.Infrastructure;

// See run.sh for what is measured. One process holds the whole platform on loopback, so the
// Intent figures and their baselines share the machine's state at the same moment.
var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
var figures = new BenchFigures("intent");

Console.Error.WriteLine("starting Postgres, RabbitMQ, Registry, Executor and Intent ...");
var platform = new IntentPlatform();
await platform.InitializeAsync();
try
{
    var name = Scripts.UniqueName("bench_adder");
    await platform.Registry.PublishAsync(Scripts.Publish(name), platform.Alice);
    var intent = platform.Intent.Client;
    var session = (await intent.InterpretAsync(new InterpretRequest { Utterance = "help" }, platform.Alice)).SessionId;
    var versions = new InterpretRequest { Utterance = $"show versions of {name}", SessionId = session };

    // Warm every path (JIT, connection pools, prepared statements, the sandbox).
    for (var i = 0; i < 50; i++)
    {
        await platform.Registry.GetStatsAsync(new GetStatsRequest(), platform.Alice);
        await intent.InterpretAsync(versions, platform.Alice);
    }

    for (var i = 0; i < 5; i++)
    {
        await platform.Executor.RunAsync(RunRequestFor(name, i), platform.Alice);
        await ConfirmedRunAsync(i);
    }

    // 1. Interpret of a deterministic phrasing vs the Registry's GetStats, interleaved.
    var stats = new List<double>(calls);
    var interpret = new List<double>(calls);
    for (var i = 0; i < calls; i++)
    {
        stats.Add(await TimeAsync(() => platform.Registry.GetStatsAsync(new GetStatsRequest(), platform.Alice).ResponseAsync));
        interpret.Add(await TimeAsync(async () =>
        {
            var reply = await intent.InterpretAsync(versions, platform.Alice);
            Check(reply.Action == ActionKind.Versions, reply.Message);
        }));
    }

    // 2. A confirmed run ("yes" only; the card is made first, untimed) vs the Executor's own Run, interleaved.
    var direct = new List<double>(runs);
    var confirmed = new List<double>(runs);
    for (var i = 0; i < runs; i++)
    {
        direct.Add(await TimeAsync(() => platform.Executor.RunAsync(RunRequestFor(name, i), platform.Alice).ResponseAsync));
        confirmed.Add(await ConfirmedRunAsync(i));
    }

    var load = File.ReadAllText("/proc/loadavg").Trim();
    var result = new
    {
        calls,
        runs,
        loadavg = load,
        registry_get_stats_p50_ms = P(stats, 50),
        interpret_p50_ms = P(interpret, 50),
        interpret_p99_ms = P(interpret, 99),
        interpret_over_get_stats = P(interpret, 50) / P(stats, 50),
        executor_run_p50_ms = P(direct, 50),
        confirmed_run_p50_ms = P(confirmed, 50),
        confirmed_run_overhead_ms = P(confirmed, 50) - P(direct, 50),
    };
    Console.WriteLine($"Intent benchmark ({calls} calls, {runs} runs; loadavg {load})");
    Console.WriteLine($"{"measure",-44} {"p50 ms",8} {"p99 ms",8}  vs baseline");
    Console.WriteLine($"{"Registry GetStats (baseline)",-44} {P(stats, 50),8:F2} {P(stats, 99),8:F2}");
    Console.WriteLine($"{"Intent Interpret \"show versions of X\"",-44} {P(interpret, 50),8:F2} {P(interpret, 99),8:F2}  {result.interpret_over_get_stats:F2}x  (target p50 <= 5 ms: {(P(interpret, 50) <= 5 ? "met" : "NOT met")})");
    Console.WriteLine($"{"Executor Run (baseline)",-44} {P(direct, 50),8:F2} {P(direct, 99),8:F2}");
    Console.WriteLine($"{"Intent \"yes\" to a run card",-44} {P(confirmed, 50),8:F2} {P(confirmed, 99),8:F2}  +{result.confirmed_run_overhead_ms:F2} ms  (target <= 10 ms: {(result.confirmed_run_overhead_ms <= 10 ? "met" : "NOT met")})");
    figures.Add("Interpret \"show versions of X\" p50", P(interpret, 50), "ms", "Registry GetStats p50", P(stats, 50), Target.AtMost(5, "ms"));
    figures.Add("confirmed run (\"yes\" to a run card) p50", P(confirmed, 50), "ms", "Executor Run p50, same job", P(direct, 50), Target.OverheadAtMost(10, "ms"));
    figures.Write(result);

    async Task<double> ConfirmedRunAsync(int i)
    {
        var card = await intent.InterpretAsync(new InterpretRequest { Utterance = $"run {name} with a={i} b=1", SessionId = session }, platform.Alice);
        Check(card.NeedsConfirmation, card.Message);
        return await TimeAsync(async () =>
        {
            var done = await intent.InterpretAsync(new InterpretRequest { Utterance = "yes", SessionId = session }, platform.Alice);
            Check(done.Outcome.Ok, done.Message);
        });
    }
}
finally
{
    await platform.DisposeAsync();
}

static RunRequest RunRequestFor(string name, int i) =>
    new() { Script = new ScriptRef { Name = name }, ParamsJson = $$"""{"a": {{i}}, "b": 1}""" };

static async Task<double> TimeAsync(Func<Task> call)
{
    var started = Stopwatch.GetTimestamp();
    await call();
    return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}

static double P(List<double> values, int percentile)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
}

static void Check(bool ok, string message)
{
    if (!ok)
    {
        throw new InvalidOperationException("unexpected answer: " + message);
    }
}
