using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Bench.Load;
using ScriptPlatform.Bench.Shared;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.IntegrationTests.Platform;

// See run.sh for what is measured. Every phase runs against one start of the platform, so the
// baselines (one client alone) and the figures under load share the machine's state.
var options = LoadOptions.Parse(args);
var figures = new BenchFigures("load");
using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(30));
var ct = timeout.Token;

Console.Error.WriteLine("starting the platform through the AppHost (DCP, Postgres, RabbitMQ, every service) ...");
// The resources' own logs (every request at Information) would bury the figures: the services' warnings
// and errors only, and nothing of Postgres and RabbitMQ, which log their routine to stderr (shown as errors).
await using var platform = await AppHostPlatform.StartAsync(containers: false, ct,
    builder => builder.Services.AddLogging(logging => logging.AddFilter((category, level) => level >= LogLevel.Warning
        && !(category ?? "").StartsWith("ScriptPlatform.AppHost.Resources.postgres", StringComparison.Ordinal)
        && !(category ?? "").StartsWith("ScriptPlatform.AppHost.Resources.rabbitmq", StringComparison.Ordinal))));
Console.Error.WriteLine($"platform healthy after {platform.StartTime.TotalSeconds:F0} s");

var seeding = new Seeding(platform.Registry, platform.Admin);
var published = Stopwatch.StartNew();
await seeding.PublishAsync(options.Scripts, parallel: 8, ct);
Console.Error.WriteLine($"published {options.Scripts + 1} scripts in {published.Elapsed.TotalSeconds:F1} s");
var embedded = await seeding.EmbeddedAsync((await platform.App.GetConnectionStringAsync("registry-db", ct))!, ct);
Console.Error.WriteLine($"all embedded and found by meaning {embedded.TotalSeconds:F1} s later");

Clients Connect() => new(
    platform.App.GetEndpoint(PlatformServices.Registry, "http"),
    platform.App.GetEndpoint(PlatformServices.Executor, "http"),
    platform.App.GetEndpoint(PlatformServices.Intent, "http"),
    platform.Admin);

// Warm every path (JIT, pools, prepared statements, the sandbox), then each step alone: the baselines.
var warm = new Recorder();
var solo = new Recorder();
using (var one = Connect())
{
    var warming = new LoadClient(one, seeding, warm, id: 0);
    foreach (var step in Enum.GetValues<Step>())
    {
        for (var i = 0; i < 10; i++)
        {
            await warming.StepAsync(step);
        }
    }

    Console.Error.WriteLine($"one client alone, {options.SoloSeconds} s per step ...");
    var alone = new LoadClient(one, seeding, solo, id: 0);
    foreach (var step in Enum.GetValues<Step>())
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(options.SoloSeconds))
        {
            await alone.StepAsync(step);
        }
    }
}

var memoryBefore = await ServiceMemory.MeasureAsync(platform, ct);
var loadAtStart = BenchFigures.LoadAverage();
Console.Error.WriteLine($"{options.Clients} clients for {options.Seconds} s (load average {loadAtStart}) ...");
var loaded = new Recorder();
var connections = Enumerable.Range(1, options.Clients).Select(_ => Connect()).ToList();
var duration = TimeSpan.FromSeconds(options.Seconds);
var loadStarted = DateTimeOffset.UtcNow;
var loadClock = Stopwatch.StartNew();
await Task.WhenAll(connections.Select((connection, i) => Task.Run(async () =>
{
    var client = new LoadClient(connection, seeding, loaded, id: i + 1);
    // A call in flight at the end finishes: none is cancelled, so a cancellation is never counted as an error.
    while (loadClock.Elapsed < duration)
    {
        await client.RandomStepAsync();
    }
}, ct)));
var loadSeconds = loadClock.Elapsed.TotalSeconds;
var loadAtEnd = BenchFigures.LoadAverage();
var memoryAfter = ServiceMemory.MeasureAgain(memoryBefore);
connections.ForEach(c => c.Dispose());
// The services export their logs in batches (every few seconds): give the last ones time to arrive.
await Task.Delay(TimeSpan.FromSeconds(6), ct);
var warnings = await ServiceLogs.WarningsSinceAsync(platform.Dashboard, loadStarted, ct);

// ---- report -----------------------------------------------------------------------------------------
var inv = CultureInfo.InvariantCulture;
var totalCalls = loaded.Operations.Sum(o => o.Count);
var errors = loaded.Operations.Sum(o => o.Errors);
var otherErrors = warm.Operations.Concat(solo.Operations).Sum(o => o.Errors);
var limited = loaded.Operations.Sum(o => o.LimitedCount);
Console.WriteLine($"Load benchmark: {options.Clients} clients for {loadSeconds:F0} s over {options.Scripts + 1} scripts; load average {loadAtStart} before, {loadAtEnd} after");
Console.WriteLine($"{"operation",-46} {"calls",7} {"alone p50",10} {"p50 ms",8} {"ratio",7} {"alone p99",10} {"p99 ms",8} {"errors",7} {"limited",8}");
foreach (var op in LoadClient.Operations.Select(loaded.Find).OfType<OperationStats>())
{
    var baseline = solo.Find(op.Name);
    var (aloneP50, aloneP99) = (baseline?.Percentile(50) ?? double.NaN, baseline?.Percentile(99) ?? double.NaN);
    Console.WriteLine(string.Format(inv, "{0,-46} {1,7} {2,10:F1} {3,8:F1} {4,6:F1}x {5,10:F1} {6,8:F1} {7,7} {8,8}",
        op.Name, op.Count, aloneP50, op.Percentile(50), op.Percentile(50) / aloneP50, aloneP99, op.Percentile(99), op.Errors, op.LimitedCount));
    figures.Add($"{op.Name} p50, {options.Clients} clients", op.Percentile(50), "ms", "p50, one client alone", aloneP50);
    figures.Add($"{op.Name} p99, {options.Clients} clients", op.Percentile(99), "ms", "p99, one client alone", aloneP99);
}

Console.WriteLine(string.Format(inv, "{0} calls, {1:F0}/s; errors other than intended limits: {2} (warm-up and alone: {3}); intended limits (RESOURCE_EXHAUSTED): {4}",
    totalCalls, totalCalls / loadSeconds, errors, otherErrors, limited));
foreach (var example in warm.Operations.Concat(solo.Operations).Concat(loaded.Operations).SelectMany(o => o.Examples.Select(e => $"  {o.Name}: {e}")).Take(20))
{
    Console.WriteLine(example);
}

Console.WriteLine($"service log records at Warning or above during the load: {warnings.Count} ({string.Join(", ", warnings.GroupBy(w => w.Service).Select(g => $"{g.Key}: {g.Count()}"))})");
foreach (var warning in warnings.DistinctBy(w => (w.Service, w.Body)).Take(10))
{
    Console.WriteLine($"  {warning.Service} {warning.Severity}: {(warning.Body.Length > 240 ? warning.Body[..240] + "..." : warning.Body)}");
}

figures.Add($"calls per second, {options.Clients} clients (the mix)", totalCalls / loadSeconds, "/s");
figures.Add($"errors other than intended limits, of {totalCalls} calls", errors + otherErrors, "", target: Target.AtMost(0, ""));
figures.Add("service log records at Warning or above during the load", warnings.Count, "");

Console.WriteLine($"{"service process",-40} {"pid",8} {"RSS before MiB",15} {"after MiB",10} {"growth",8}");
foreach (var (before, after) in memoryBefore.Zip(memoryAfter))
{
    var (b, a) = (before.RssKiB / 1024.0, after.RssKiB / 1024.0);
    Console.WriteLine(string.Format(inv, "{0,-40} {1,8} {2,15:F1} {3,10:F1} {4,7:+0.0;-0.0}%", before.Label, before.Pid, b, a, (a / b - 1) * 100));
    figures.Add($"{before.Label} RSS after the load", a, "MiB", "RSS before the load", b, Target.RatioBelow(1.2));
}

figures.Write(new
{
    clients = options.Clients,
    seconds = loadSeconds,
    scripts = options.Scripts + 1,
    start_seconds = platform.StartTime.TotalSeconds,
    embedded_seconds = embedded.TotalSeconds,
    load_average_before_load = loadAtStart,
    load_average_after_load = loadAtEnd,
    calls = totalCalls,
    errors,
    errors_warm_up_and_alone = otherErrors,
    limited,
    service_warnings = warnings.Select(w => new { service = w.Service, at = w.At, severity = w.Severity, body = w.Body }).Take(200),
    operations = loaded.Operations.Select(o => new
    {
        name = o.Name,
        calls = o.Count,
        p50_ms = o.Percentile(50),
        p99_ms = o.Percentile(99),
        alone_calls = solo.Operations.FirstOrDefault(s => s.Name == o.Name)?.Count,
        alone_p50_ms = solo.Operations.FirstOrDefault(s => s.Name == o.Name)?.Percentile(50),
        alone_p99_ms = solo.Operations.FirstOrDefault(s => s.Name == o.Name)?.Percentile(99),
        errors = o.Errors,
        errors_by_status = o.ErrorsByStatus,
        error_examples = o.Examples,
        limited = o.LimitedCount,
    }),
    memory = memoryBefore.Zip(memoryAfter).Select(p => new
    {
        service = p.First.Label, instance = p.First.Instance, pid = p.First.Pid, command = p.First.Command, rss_before_kib = p.First.RssKiB, rss_after_kib = p.Second.RssKiB,
    }),
});

// Any error but an intended limit fails the bench (the table above still shows what was measured).
return errors + otherErrors == 0 ? 0 : 1;
