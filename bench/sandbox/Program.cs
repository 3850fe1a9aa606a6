using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ScriptPlatform.Bench.Shared;
using ScriptPlatform.Sandbox;

// A trivial job (JSON in, execute, JSON out) three ways, measured in the same run:
//   bare   python3 with no sandbox, started the same way (a process per job, params on stdin);
//   cold   a fresh hardened bubblewrap sandbox per job (ISandbox, Warm = false), with and without
//          the per-slot cgroups (UseCgroups) to show what the aggregate memory cap costs;
//   warm   a pre-started sandbox that imported the script once and forks per job (Warm = true).
// The cold figures are a sandbox's start-up, so those sandboxes start each job's own (StandbySandboxes off); a reference
// row shows what a caller sees by default, a job taking the standby sandbox started while the slot was idle.
var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var figures = new BenchFigures("sandbox");
const string Script = """
    def execute(params):
        return {"status": "success", "data": {"sum": params["a"] + params["b"]}, "metadata": {"rows_processed": 1}}
    """;
const string Params = """{"a": 2, "b": 3}""";
const string BareDriver = """
    import json, sys
    source, params = json.loads(sys.stdin.read())
    scope = {}
    exec(compile(source, "script.py", "exec"), scope)
    print(json.dumps(scope["execute"](params)))
    """;

var python = "/usr/bin/python3";
var bareInput = System.Text.Json.JsonSerializer.Serialize(new object[] { Script, System.Text.Json.JsonDocument.Parse(Params).RootElement });

async Task Bare()
{
    var start = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var arg in new[] { "-I", "-S", "-B", "-c", BareDriver })
    {
        start.ArgumentList.Add(arg);
    }

    using var process = Process.Start(start)!;
    await process.StandardInput.WriteAsync(bareInput);
    process.StandardInput.Close();
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0 || !output.Contains("\"sum\": 5", StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"bare run failed: {output}");
    }
}

await using var sandbox = new ScriptSandbox(Options.Create(new SandboxOptions { Slots = 1, BaseUid = 63900, StandbySandboxes = false }), NullLogger<ScriptSandbox>.Instance);
await using var withoutCgroups = new ScriptSandbox(
    Options.Create(new SandboxOptions { Slots = 1, BaseUid = 63901, UseCgroups = false, StandbySandboxes = false }), NullLogger<ScriptSandbox>.Instance);
await using var withStandby = new ScriptSandbox(Options.Create(new SandboxOptions { Slots = 1, BaseUid = 63902 }), NullLogger<ScriptSandbox>.Instance);

Func<Task> Sandboxed(bool warm, ScriptSandbox? other = null) => async () =>
{
    var result = await (other ?? sandbox).RunAsync(new SandboxJob(Script) { ParamsJson = Params, Warm = warm });
    if (result.Status != SandboxStatus.Success)
    {
        throw new InvalidOperationException($"sandboxed run failed: {result.Status} {result.Error}");
    }
};

// Bare and cold runs alternate so that both see the same machine load (the build machine is shared).
async Task<double[][]> Measure(int count, params Func<Task>[] jobs)
{
    for (var i = 0; i < 10; i++)
    {
        foreach (var job in jobs)
        {
            await job(); // JIT, page cache, warm worker start
        }
    }

    var samples = jobs.Select(_ => new double[count]).ToArray();
    for (var i = 0; i < count; i++)
    {
        for (var j = 0; j < jobs.Length; j++)
        {
            var clock = Stopwatch.StartNew();
            await jobs[j]();
            samples[j][i] = clock.Elapsed.TotalMilliseconds;
        }
    }

    foreach (var series in samples)
    {
        Array.Sort(series);
    }

    return samples;
}

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

var series = await Measure(runs, Bare, Sandboxed(warm: false), Sandboxed(warm: false, withoutCgroups), Sandboxed(warm: false, withStandby));
var (bare, cold, coldWithoutCgroups, coldStandby) = (series[0], series[1], series[2], series[3]);
var warm = (await Measure(runs * 5, Sandboxed(warm: true)))[0];

double JobsPerSecond(double[] samples) => samples.Length / (samples.Sum() / 1000);
var rows = new (string Name, double[] Samples, string Ratio)[]
{
    ("bare python3 (baseline)", bare, "1.00x p50"),
    ("cold sandbox (bwrap)", cold, $"{Percentile(cold, 0.5) / Percentile(bare, 0.5):0.00}x bare p50 (target <= 1.5x)"),
    ("cold sandbox, no cgroups", coldWithoutCgroups, $"{Percentile(coldWithoutCgroups, 0.5) / Percentile(bare, 0.5):0.00}x bare p50"),
    ("cold, standby started ahead", coldStandby, $"{Percentile(coldStandby, 0.5) / Percentile(bare, 0.5):0.00}x bare p50"),
    ("warm sandbox (bwrap, fork)", warm, $"{JobsPerSecond(warm) / JobsPerSecond(cold):0.0}x cold jobs/s (target >= 5x)"),
};

Console.WriteLine($"Trivial job (JSON in, execute, JSON out), sequential, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {DateTime.UtcNow:u}");
Console.WriteLine($"| {"mode",-28} | {"runs",5} | {"min ms",7} | {"p50 ms",7} | {"p99 ms",7} | {"jobs/s",7} | {"ratio",-40} |");
Console.WriteLine($"|{new string('-', 30)}|{new string('-', 7)}|{new string('-', 9)}|{new string('-', 9)}|{new string('-', 9)}|{new string('-', 9)}|{new string('-', 42)}|");
foreach (var (name, samples, ratio) in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name,-28} | {samples.Length,5} | {samples[0],7:0.00} | {Percentile(samples, 0.5),7:0.00} | {Percentile(samples, 0.99),7:0.00} | {JobsPerSecond(samples),7:0.0} | {ratio,-40} |"));
}

var coldOk = Percentile(cold, 0.5) <= 1.5 * Percentile(bare, 0.5);
var warmOk = JobsPerSecond(warm) >= 5 * JobsPerSecond(cold);
Console.WriteLine($"cold p50 <= 1.5x bare: {(coldOk ? "met" : "NOT met")}; warm >= 5x cold throughput: {(warmOk ? "met" : "NOT met")}");

figures.Add("cold sandbox (bwrap) p50", Percentile(cold, 0.5), "ms", "bare python3 p50", Percentile(bare, 0.5), Target.RatioAtMost(1.5));
figures.Add("cold sandbox, no cgroups p50", Percentile(coldWithoutCgroups, 0.5), "ms", "bare python3 p50", Percentile(bare, 0.5));
figures.Add("cold sandbox, standby started ahead p50", Percentile(coldStandby, 0.5), "ms", "bare python3 p50", Percentile(bare, 0.5));
figures.Add("warm sandbox (fork) throughput", JobsPerSecond(warm), "jobs/s", "cold sandbox jobs/s", JobsPerSecond(cold), Target.RatioAtLeast(5));
figures.Write(new { runs, warm_runs = warm.Length, cores = Environment.ProcessorCount });
