using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using NpgsqlTypes;
using ScriptPlatform.Bench.Shared;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.LocalResources;
using ScriptPlatform.Registry.Bench;
using ScriptPlatform.Registry.Domain;
using ScriptPlatform.Registry.Extensions;
using ScriptPlatform.Registry.Infrastructure;
using ScriptPlatform.Embeddings;
using ScriptPlatform.Registry.Search;

// Usage: ScriptPlatform.Registry.Bench --registry PATH/ScriptPlatform.Registry.dll [--scripts 100000] [--durable] [--verbose]
//        [--quality-only | --field-sweep]
var registryDll = Arg("--registry") ?? "";
var scale = int.Parse(Arg("--scripts") ?? "100000", CultureInfo.InvariantCulture);
var durable = args.Contains("--durable");
var verbose = args.Contains("--verbose");
var figures = new BenchFigures("registry");
var total = Stopwatch.StartNew();
var inv = CultureInfo.InvariantCulture;

var qualityOnly = args.Contains("--quality-only");
if (args.Contains("--field-sweep"))
{
    // No services: the model in this process (see FieldWeightSweep).
    await FieldWeightSweep.RunAsync(await Semantic(), LabeledScript.Load(Path.Combine(AppContext.BaseDirectory, "labeled.json")), scale);
    return 0;
}

Console.WriteLine($"registry bench: {(qualityOnly ? "the labelled set only" : $"{scale:N0} scripts")}, Postgres {(durable ? "durable (fsync on)" : "fsync off (test settings)")}, {Environment.ProcessorCount} cores");
await using var infra = await LocalInfrastructure.StartAsync(new LocalInfrastructureOptions { PostgresOptions = new LocalPostgresOptions { FastUnsafe = !durable } });
var labeled = LabeledScript.Load(Path.Combine(AppContext.BaseDirectory, "labeled.json"));

// ---- 1. Search quality on the labelled set (its own database) -----------------------------------
var qualityDb = await CreateDatabase(infra.PostgresConnectionString!, "bench_quality");
var qualityAdmin = await CreateAdminKey(registryDll, qualityDb);
Dictionary<SearchMode, Quality> quality;
await using (var registry = await RegistryProcess.StartAsync(registryDll, qualityDb, infra.RabbitMqConnectionString))
{
    using var channel = GrpcChannel.ForAddress(registry.Address);
    var client = new RegistryService.RegistryServiceClient(channel);
    var admin = Auth(qualityAdmin);
    foreach (var s in labeled)
    {
        await client.PublishAsync(LabeledPublish(s), admin);
    }

    Console.WriteLine(string.Format(inv, "all {0} labelled scripts findable by meaning {1:F2} s after the last publish returned (target: within 2 s)", labeled.Count, await UntilFindable(client, labeled)));
    quality = await Evaluate(client, labeled, verbose);
    await WeightSweep.RunAsync(client, qualityDb, labeled, verbose, "the labelled scripts alone");
}

if (qualityOnly)
{
    PrintQualitySplits("Search quality on the labelled set", quality);
    Console.WriteLine(Targets(quality));
    QualityFigures(figures, quality, "labelled set");
    figures.Write(new { scripts = labeled.Count, quality_only = true });
    return 0;
}

// ---- 2. Seed the scale database with bulk COPY ----------------------------------------------------
var scaleDb = await CreateDatabase(infra.PostgresConnectionString!, "bench_scale");
var seedWatch = Stopwatch.StartNew();
float[][] seedVectors;
await using (var dataSource = RegistryExtensions.CreateDataSource(scaleDb))
{
    await Migrator.MigrateAsync(dataSource);
    seedVectors = await SeedAsync(dataSource, scale);
}

var seedSeconds = seedWatch.Elapsed.TotalSeconds;

// The vector scan alone, in this process: the intrinsic cost of brute force at this size.
var scanIndex = new ScriptPlatform.Registry.Search.InMemoryVectorIndex(seedVectors[0].Length, scale);
for (var i = 0; i < seedVectors.Length; i++)
{
    scanIndex.Upsert(i + 1, seedVectors[i], "c", false);
}

var scanQueries = await (await Semantic()).EmbedManyAsync(labeled.SelectMany(l => l.Queries).ToList(), CancellationToken.None);
var scan = await Measure(500, i =>
{
    scanIndex.Search(scanQueries[i % scanQueries.Length], 50, ScriptPlatform.Registry.Search.VectorFilter.None);
    return Task.CompletedTask;
});
var scanMiB = scanIndex.MemoryBytes / (1024.0 * 1024);
scanIndex = null;
seedVectors = [];
var scaleAdmin = await CreateAdminKey(registryDll, scaleDb);
var startWatch = Stopwatch.StartNew();
await using var scaleRegistry = await RegistryProcess.StartAsync(registryDll, scaleDb, infra.RabbitMqConnectionString);
var startSeconds = startWatch.Elapsed.TotalSeconds;
var rssLoaded = scaleRegistry.RssMiB();
using var scaleChannel = GrpcChannel.ForAddress(scaleRegistry.Address);
var scaleClient = new RegistryService.RegistryServiceClient(scaleChannel);
var publisher = (await scaleClient.CreateApiKeyAsync(new CreateApiKeyRequest { Owner = "bench", Label = "bench", Scopes = { ApiKeyScope.Publish } }, Auth(scaleAdmin))).Secret;

// ---- 3. Latency: hybrid search, load by name, and the gRPC floor ---------------------------------
var names = SyntheticScripts.Generate(scale).Select(s => s.Name).ToArray();
var queries = labeled.SelectMany(l => l.Queries).Concat(SyntheticScripts.Generate(300, seed: 99).Select(s => s.Description.ToLowerInvariant())).ToArray();
await Measure(500, i => scaleClient.HelpAsync(new HelpRequest { Topic = "search" }).ResponseAsync); // warm-up
var floor = await Measure(2000, i => scaleClient.HelpAsync(new HelpRequest { Topic = "search" }).ResponseAsync);
foreach (var warm in new[] { SearchMode.Hybrid, SearchMode.FullText, SearchMode.Semantic })
{
    await Measure(300, i => scaleClient.SearchAsync(new SearchRequest { Query = queries[i % queries.Length], Limit = 10, Mode = warm }).ResponseAsync);
}

var fullText = await Measure(1000, i => scaleClient.SearchAsync(new SearchRequest { Query = queries[(i * 7) % queries.Length], Limit = 10, Mode = SearchMode.FullText }).ResponseAsync);
var semantic = await Measure(1000, i => scaleClient.SearchAsync(new SearchRequest { Query = queries[(i * 7) % queries.Length], Limit = 10, Mode = SearchMode.Semantic }).ResponseAsync);
var hybrid = await Measure(2000, i => scaleClient.SearchAsync(new SearchRequest { Query = queries[(i * 7) % queries.Length], Limit = 10 }).ResponseAsync);
var random = new Random(5);
await Measure(300, i => scaleClient.LoadAsync(new LoadRequest { Script = new ScriptRef { Name = names[random.Next(names.Length)] } }).ResponseAsync);
var load = await Measure(3000, i => scaleClient.LoadAsync(new LoadRequest { Script = new ScriptRef { Name = names[random.Next(names.Length)] } }).ResponseAsync);
var loadSql = await MeasureSqlLoad(scaleDb, names, 3000);

// ---- 4. Publish throughput over gRPC, 16 concurrent clients (each its own connection) -------------
// A warm-up round first (not counted), whose embeddings are let finish: the figure is the service's steady state, not
// its JIT compiling the publish path (12% of the CPU of a cold 10-s phase) or a backlog left by the warm-up.
const int clients = 16;
var synthetic = SyntheticScripts.Generate(40_000, seed: 7).ToArray();
await PublishConcurrently(scaleRegistry.Address, Auth(publisher), synthetic, from: synthetic.Length - 2_000, TimeSpan.FromSeconds(2), clients);
await UntilEmbedded(scaleDb);
var publishCpu = CpuSplit.Snapshot();
var (published, failures, publishLatency, publishElapsed) = await PublishConcurrently(scaleRegistry.Address, Auth(publisher), synthetic, from: 0, TimeSpan.FromSeconds(10), clients);
publishCpu = CpuSplit.Snapshot() - publishCpu;
var publishRate = published / publishElapsed;
var floorConcurrent = await MeasureThroughput(scaleRegistry.Address, clients, TimeSpan.FromSeconds(3));

// ---- 5. Quality again, with the labelled scripts hidden among the 100k --------------------------
var admin100k = Auth(scaleAdmin);
foreach (var s in labeled)
{
    await scaleClient.PublishAsync(LabeledPublish(s), admin100k);
}

var drainCpu = CpuSplit.Snapshot();
var findableAtScale = await UntilFindable(scaleClient, labeled);
drainCpu = CpuSplit.Snapshot() - drainCpu;

var qualityAtScale = await Evaluate(scaleClient, labeled, verbose);
// The same sweep among the 100k: weights that hold in a crowded registry, still chosen on dev only.
await WeightSweep.RunAsync(scaleClient, scaleDb, labeled, verbose, $"among {scale:N0} scripts");
var rssEnd = scaleRegistry.RssMiB();

// ---- Report ------------------------------------------------------------------------------------------
Console.WriteLine();
Console.WriteLine($"## Search quality: {labeled.Count} labelled scripts, {labeled.Sum(l => l.Queries.Length)} paraphrased queries (all-MiniLM-L6-v2)");
Console.WriteLine();
Console.WriteLine("| mode | Recall@5 | MRR@10 | Recall@5 among 100k | MRR@10 among 100k |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var mode in new[] { SearchMode.FullText, SearchMode.Semantic, SearchMode.Hybrid })
{
    Console.WriteLine(string.Format(inv, "| {0} | {1:F3} | {2:F3} | {3:F3} | {4:F3} |", mode, quality[mode].Recall, quality[mode].Mrr, qualityAtScale[mode].Recall, qualityAtScale[mode].Mrr));
}

Console.WriteLine();
PrintQualitySplits("Labelled set alone, by split", quality);
PrintQualitySplits("Among 100k, by split", qualityAtScale);
Console.WriteLine(string.Format(inv, "hybrid vs full text only: Recall@5 {0:F2}x, MRR {1:F2}x; {2}",
    quality[SearchMode.Hybrid].Recall / Math.Max(quality[SearchMode.FullText].Recall, 1e-9), quality[SearchMode.Hybrid].Mrr / Math.Max(quality[SearchMode.FullText].Mrr, 1e-9), Targets(quality)));
Console.WriteLine();
Console.WriteLine($"## Speed with {scale:N0} scripts (seeded by COPY in {seedSeconds:F1} s; registry start-up incl. loading the vector index {startSeconds:F1} s)");
Console.WriteLine();
Console.WriteLine("| measure | p50 | p99 | target | vs baseline |");
Console.WriteLine("|---|---|---|---|---|");
Console.WriteLine(string.Format(inv, "| gRPC floor: Help(topic) round trip | {0:F2} ms | {1:F2} ms | | baseline |", floor.P50, floor.P99));
Console.WriteLine(string.Format(inv, "| hybrid search top-10 over gRPC | {0:F2} ms | {1:F2} ms | p50 <= 10, p99 <= 30: {2} | {3:F1}x floor |", hybrid.P50, hybrid.P99, hybrid.P50 <= 10 && hybrid.P99 <= 30 ? "met" : "NOT met", hybrid.P50 / floor.P50));
Console.WriteLine(string.Format(inv, "| full-text only search | {0:F2} ms | {1:F2} ms | | {2:F1}x floor |", fullText.P50, fullText.P99, fullText.P50 / floor.P50));
Console.WriteLine(string.Format(inv, "| vector scan alone, in process ({0:N0} x {1} dims int8, {2:F0} MiB) | {3:F2} ms | {4:F2} ms | | |", scale, MiniLmEmbeddingGenerator.Dimensions, scanMiB, scan.P50, scan.P99));
Console.WriteLine(string.Format(inv, "| semantic only search | {0:F2} ms | {1:F2} ms | | {2:F1}x floor |", semantic.P50, semantic.P99, semantic.P50 / floor.P50));
Console.WriteLine(string.Format(inv, "| load latest by name over gRPC | {0:F2} ms | {1:F2} ms | p50 <= 2: {2} | {3:F1}x floor |", load.P50, load.P99, load.P50 <= 2 ? "met" : "NOT met", load.P50 / floor.P50));
Console.WriteLine(string.Format(inv, "| same load as one direct SQL query | {0:F2} ms | {1:F2} ms | | SQL baseline; gRPC path {2:F1}x |", loadSql.P50, loadSql.P99, load.P50 / loadSql.P50));
Console.WriteLine(string.Format(inv, "| publish over gRPC, {0} clients: latency | {1:F2} ms | {2:F2} ms | | |", clients, Percentile(publishLatency, 50), Percentile(publishLatency, 99)));
Console.WriteLine();
Console.WriteLine(string.Format(inv, "publish: {0:N0} new scripts in {1:F1} s = {2:F0} publishes/s with {3} concurrent clients ({4} failed); target >= 500/s: {5}; the gRPC floor at the same concurrency is {6:F0} calls/s ({7:P1} of it)",
    published, publishElapsed, publishRate, clients, failures, publishRate >= 500 ? "met" : "NOT met", floorConcurrent, publishRate / floorConcurrent));
// Where a publish's CPU goes (the Registry is this process's child; embedding runs in it too, partly after the phase).
Console.WriteLine(string.Format(inv, "CPU per publish during the phase: registry {0:F1} ms, Postgres {1:F1} ms, bench clients {2:F1} ms ({3:F0}% of {4} cores busy); draining the embedding backlog after it: registry {5:F1} s, Postgres {6:F1} s",
    publishCpu.Children * 1000 / Math.Max(published, 1), publishCpu.Postgres * 1000 / Math.Max(published, 1), publishCpu.Own * 1000 / Math.Max(published, 1),
    100 * publishCpu.Total / publishElapsed / Environment.ProcessorCount, Environment.ProcessorCount, drainCpu.Children, drainCpu.Postgres));
// The 2-s target is the first figure (a registry without a backlog). Here the labelled scripts queue behind the burst's
// embeddings: the model's capacity on this machine, not the publish path, decides when they are found by meaning.
Console.WriteLine(string.Format(inv, "after the burst: embedding runs at a low priority behind the requests; the {0} labelled scripts, published after its {1:N0} scripts, were findable by meaning {2:F2} s later",
    labeled.Count, published, findableAtScale));
Console.WriteLine(string.Format(inv, "registry memory (RSS): {0:F0} MiB with {1:N0} scripts loaded, {2:F0} MiB at the end ({3:N0} scripts)", rssLoaded, scale, rssEnd, scale + published + labeled.Count));
Console.WriteLine(string.Format(inv, "bench wall time: {0:F0} s; machine load average at the end: {1}", total.Elapsed.TotalSeconds, File.ReadAllText("/proc/loadavg").Trim()));

// The common figures (bench/results/registry.json); the issue's speed targets are for 100,000 scripts.
Target? AtScale(Target target) => scale >= 100_000 ? target : null;
QualityFigures(figures, quality, "labelled set");
figures.Add($"hybrid Recall@5 among {scale:N0}", qualityAtScale[SearchMode.Hybrid].Recall, "", $"full-text Recall@5 among {scale:N0}", qualityAtScale[SearchMode.FullText].Recall, AtScale(Target.AtLeast(0.90, "")));
figures.Add($"hybrid search top-10 at {scale:N0} p50", hybrid.P50, "ms", "gRPC floor: Help round trip p50", floor.P50, AtScale(Target.AtMost(10, "ms")));
figures.Add($"hybrid search top-10 at {scale:N0} p99", hybrid.P99, "ms", "gRPC floor: Help round trip p99", floor.P99, AtScale(Target.AtMost(30, "ms")));
figures.Add($"load latest by name at {scale:N0} p50", load.P50, "ms", "the same load as one SQL query p50", loadSql.P50, AtScale(Target.AtMost(2, "ms")));
figures.Add($"publish, {clients} clients", publishRate, "/s", $"gRPC floor: Help calls/s, {clients} clients", floorConcurrent, Target.AtLeast(500, "/s"));
figures.Write(new { scripts = scale, durable, publish_failures = failures, rss_loaded_mib = rssLoaded, rss_end_mib = rssEnd });
return 0;

// ---- helpers -------------------------------------------------------------------------------------------
string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static async Task<SemanticIndex> Semantic() =>
    new(MiniLmEmbeddingGenerator.Shared, await MiniLmEmbeddingGenerator.Shared.DescribeAsync(), new InMemoryVectorIndex(MiniLmEmbeddingGenerator.Dimensions));

static CallOptions Auth(string secret) => new(headers: new Metadata { { "authorization", "Bearer " + secret } });

static PublishRequest LabeledPublish(LabeledScript s) => new()
{
    Name = s.Name,
    Version = "1.0.0",
    Content = SyntheticScripts.Content(s.Description, s.Category),
    Category = s.Category,
    Description = s.Description,
    Summary = s.Summary,
};

static async Task<Dictionary<SearchMode, Quality>> Evaluate(RegistryService.RegistryServiceClient client, List<LabeledScript> labeled, bool verbose)
{
    var result = new Dictionary<SearchMode, Quality>();
    foreach (var mode in new[] { SearchMode.FullText, SearchMode.Semantic, SearchMode.Hybrid })
    {
        var tally = new QualityTally();
        for (var index = 0; index < labeled.Count; index++)
        {
            var s = labeled[index];
            foreach (var q in s.Queries)
            {
                var response = await client.SearchAsync(new SearchRequest { Query = q, Mode = mode, Limit = 10 });
                var rank = response.Hits.Select(h => h.Script.Name).ToList().IndexOf(s.Name) + 1;
                if (verbose && rank is < 1 or > 5)
                {
                    Console.WriteLine($"  miss [{mode}] '{q}' -> want {s.Name} (rank {rank}); got {string.Join(", ", response.Hits.Take(3).Select(h => h.Script.Name))}");
                }

                tally.Add(index, rank);
            }
        }

        result[mode] = tally.Result();
    }

    return result;
}

// Embedding runs after the commit: seconds until the last published script is found by a semantic
// search for its own description (then every other one is checked too).
// Publishes synthetic scripts from index `from` on, with `clients` concurrent clients each on its own connection, for `duration`.
static async Task<(long Published, long Failures, double[] Latencies, double Seconds)> PublishConcurrently(
    Uri address, CallOptions auth, SyntheticScripts.Synthetic[] synthetic, int from, TimeSpan duration, int clients)
{
    var published = 0L;
    var latencies = new List<double>[clients];
    var failures = 0L;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
    {
        latencies[c] = [];
        using var channel = GrpcChannel.ForAddress(address);
        var client = new RegistryService.RegistryServiceClient(channel);
        for (var i = from + c; watch.Elapsed < duration && i < synthetic.Length; i += clients)
        {
            var s = synthetic[i];
            var name = $"pub_{s.Prefix[..Math.Min(s.Prefix.Length, 50)]}_{i:D5}";
            var request = new PublishRequest { Name = name, Version = "1.0.0", Content = SyntheticScripts.Content(s.Description, s.Category), Changelog = "bench" };
            var t = Stopwatch.GetTimestamp();
            try
            {
                await client.PublishAsync(request, auth);
                Interlocked.Increment(ref published);
                latencies[c].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            catch (RpcException)
            {
                Interlocked.Increment(ref failures);
            }
        }
    }));
    return (published, failures, [.. latencies.SelectMany(l => l).Order()], watch.Elapsed.TotalSeconds);
}

// Until no script waits for its vector (the warm-up's embeddings must not run into the measured phase).
static async Task UntilEmbedded(string database)
{
    await using var connection = new NpgsqlConnection(database);
    await connection.OpenAsync();
    await using var pending = new NpgsqlCommand("SELECT count(*) FROM scripts s WHERE NOT EXISTS (SELECT 1 FROM script_embeddings e WHERE e.script_id = s.id)", connection);
    for (var watch = Stopwatch.StartNew(); (long)(await pending.ExecuteScalarAsync())! > 0; await Task.Delay(100))
    {
        if (watch.Elapsed > TimeSpan.FromSeconds(120))
        {
            throw new TimeoutException("the warm-up's scripts were not embedded within 120 s");
        }
    }
}

static async Task<double> UntilFindable(RegistryService.RegistryServiceClient client, List<LabeledScript> labeled)
{
    var watch = Stopwatch.StartNew();
    // The last one first: the time is the queue's, not that of checking every script one by one.
    var lastFound = 0.0;
    foreach (var s in labeled.AsEnumerable().Reverse())
    {
        while (!(await client.SearchAsync(new SearchRequest { Query = s.Description, Mode = SearchMode.Semantic, Limit = 10 })).Hits.Any(h => h.Script.Name == s.Name))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{s.Name} was not findable by meaning 60 s after publishing");
            }

            await Task.Delay(20);
        }

        lastFound = lastFound == 0 ? watch.Elapsed.TotalSeconds : lastFound;
    }

    return lastFound;
}

// Issue 13's targets, per half: the held-out half must meet them too, not only the half the weights were chosen on.
static string Targets(Dictionary<SearchMode, Quality> quality)
{
    var h = quality[SearchMode.Hybrid];
    var met = h.Dev.Recall >= 0.97 && h.Dev.Mrr >= 0.90 && h.HeldOut.Recall >= 0.97 && h.HeldOut.Mrr >= 0.90;
    return $"hybrid targets Recall@5 >= 0.97 and MRR@10 >= 0.90 on dev and held-out: {(met ? "met" : "NOT met")}";
}

// Issue 13's quality targets for hybrid search, per half (the weights were chosen on dev only); the
// baseline is the semantic signal alone, which hybrid ranking must never do worse than.
static void QualityFigures(BenchFigures figures, Dictionary<SearchMode, Quality> quality, string set)
{
    var (hybrid, semantic) = (quality[SearchMode.Hybrid], quality[SearchMode.Semantic]);
    foreach (var (half, h, b) in new[] { ("dev", hybrid.Dev, semantic.Dev), ("held-out", hybrid.HeldOut, semantic.HeldOut) })
    {
        figures.Add($"hybrid Recall@5, {set}, {half}", h.Recall, "", $"semantic-only Recall@5, {half}", b.Recall, Target.AtLeast(0.97, ""));
        figures.Add($"hybrid MRR@10, {set}, {half}", h.Mrr, "", $"semantic-only MRR@10, {half}", b.Mrr, Target.AtLeast(0.90, ""));
    }
}

static void PrintQualitySplits(string title, Dictionary<SearchMode, Quality> quality)
{
    var inv = CultureInfo.InvariantCulture;
    Console.WriteLine($"{title} (dev = even script index, held-out = odd; tuning looks at dev only)");
    Console.WriteLine();
    Console.WriteLine("| mode | dev Recall@5 | dev MRR@10 | held-out Recall@5 | held-out MRR@10 | all Recall@5 | all MRR@10 |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    foreach (var mode in new[] { SearchMode.FullText, SearchMode.Semantic, SearchMode.Hybrid })
    {
        var q = quality[mode];
        Console.WriteLine(string.Format(inv, "| {0} | {1:F4} | {2:F4} | {3:F4} | {4:F4} | {5:F4} | {6:F4} |", mode, q.Dev.Recall, q.Dev.Mrr, q.HeldOut.Recall, q.HeldOut.Mrr, q.Recall, q.Mrr));
    }

    Console.WriteLine();
}

static async Task<(double P50, double P99)> Measure(int count, Func<int, Task> call)
{
    var samples = new double[count];
    for (var i = 0; i < count; i++)
    {
        var t = Stopwatch.GetTimestamp();
        await call(i);
        samples[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
    }

    Array.Sort(samples);
    return (Percentile(samples, 50), Percentile(samples, 99));
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];

static async Task<double> MeasureThroughput(Uri address, int clients, TimeSpan duration)
{
    var count = 0L;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new RegistryService.RegistryServiceClient(channel);
        while (watch.Elapsed < duration)
        {
            await client.HelpAsync(new HelpRequest { Topic = "publish" });
            Interlocked.Increment(ref count);
        }
    }));
    return count / watch.Elapsed.TotalSeconds;
}

static async Task<(double P50, double P99)> MeasureSqlLoad(string connectionString, string[] names, int count)
{
    await using var dataSource = RegistryExtensions.CreateDataSource(connectionString);
    var random = new Random(6);
    return await Measure(count, async _ =>
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT {ScriptRow.Columns}, v.version, v.content_hash, v.content, v.metadata::text FROM scripts s JOIN script_versions v ON v.script_id = s.id AND v.is_latest WHERE s.name = @name",
            connection);
        command.Parameters.AddWithValue("name", names[random.Next(names.Length)]);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
        }
    });
}

static async Task<string> CreateDatabase(string server, string name)
{
    await using var connection = new NpgsqlConnection(server);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}", connection);
    await command.ExecuteNonQueryAsync();
    return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
}

static async Task<string> CreateAdminKey(string dll, string connectionString)
{
    // The real admin command, as an operator would run it.
    var info = new ProcessStartInfo("dotnet", [dll, "create-admin-key", "--owner", "bench-admin"]) { RedirectStandardOutput = true, RedirectStandardError = true };
    info.Environment["ConnectionStrings__postgres"] = connectionString;
    using var process = Process.Start(info)!;
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException("create-admin-key failed: " + await process.StandardError.ReadToEndAsync());
    }

    return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
}

static async Task<float[][]> SeedAsync(NpgsqlDataSource dataSource, int count)
{
    var semantic = await Semantic();
    var scripts = SyntheticScripts.Generate(count).ToArray();
    var vectors = await SeedVectorCache.LoadOrEmbedAsync(semantic, scripts.Select(s => new ScriptText(s.Name, s.Description, s.Summary)).ToList());
    await using var connection = await dataSource.OpenConnectionAsync();
    await using (var copy = await connection.BeginBinaryImportAsync(
        "COPY scripts (id, name, category, description, summary, tags, tags_text, owner, latest_version, latest_content_hash) FROM STDIN (FORMAT BINARY)"))
    {
        for (var i = 0; i < scripts.Length; i++)
        {
            var s = scripts[i];
            var content = SyntheticScripts.Content(s.Description, s.Category);
            await copy.StartRowAsync();
            await copy.WriteAsync((long)(i + 1), NpgsqlDbType.Bigint);
            await copy.WriteAsync(s.Name, NpgsqlDbType.Text);
            await copy.WriteAsync(s.Category, NpgsqlDbType.Text);
            await copy.WriteAsync(s.Description, NpgsqlDbType.Text);
            await copy.WriteAsync(s.Summary, NpgsqlDbType.Text);
            await copy.WriteAsync(new[] { s.Category }, NpgsqlDbType.Array | NpgsqlDbType.Text);
            await copy.WriteAsync(s.Category, NpgsqlDbType.Text);
            await copy.WriteAsync("seed", NpgsqlDbType.Text);
            await copy.WriteAsync("1.0.0", NpgsqlDbType.Text);
            await copy.WriteAsync(ScriptContent.Hash(System.Text.Encoding.UTF8.GetBytes(content)), NpgsqlDbType.Text);
        }

        await copy.CompleteAsync();
    }

    await using (var copy = await connection.BeginBinaryImportAsync(
        "COPY script_versions (script_id, version, content, content_hash, size_bytes, changelog, is_latest, metadata, published_by) FROM STDIN (FORMAT BINARY)"))
    {
        for (var i = 0; i < scripts.Length; i++)
        {
            var s = scripts[i];
            var content = SyntheticScripts.Content(s.Description, s.Category);
            var bytes = System.Text.Encoding.UTF8.GetBytes(content);
            var metadata = new ScriptPlatform.Contracts.Common.V1.ScriptMetadata { Description = s.Description, Category = s.Category };
            metadata.Params.Add(new ParamSpec { Name = "items", Type = "array", Required = true, Description = "the records to process" });
            await copy.StartRowAsync();
            await copy.WriteAsync((long)(i + 1), NpgsqlDbType.Bigint);
            await copy.WriteAsync("1.0.0", NpgsqlDbType.Text);
            await copy.WriteAsync(content, NpgsqlDbType.Text);
            await copy.WriteAsync(ScriptContent.Hash(bytes), NpgsqlDbType.Text);
            await copy.WriteAsync(bytes.Length, NpgsqlDbType.Integer);
            await copy.WriteAsync("seed", NpgsqlDbType.Text);
            await copy.WriteAsync(true, NpgsqlDbType.Boolean);
            await copy.WriteAsync(MetadataMapping.ToJson(metadata), NpgsqlDbType.Jsonb);
            await copy.WriteAsync("seed", NpgsqlDbType.Text);
        }

        await copy.CompleteAsync();
    }

    await using (var copy = await connection.BeginBinaryImportAsync("COPY script_embeddings (script_id, model, vector) FROM STDIN (FORMAT BINARY)"))
    {
        for (var i = 0; i < scripts.Length; i++)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync((long)(i + 1), NpgsqlDbType.Bigint);
            await copy.WriteAsync(semantic.ModelId, NpgsqlDbType.Text);
            await copy.WriteAsync(vectors[i], NpgsqlDbType.Array | NpgsqlDbType.Real);
        }

        await copy.CompleteAsync();
    }

    await using var finish = new NpgsqlCommand(
        """
        SELECT setval('scripts_id_seq', (SELECT max(id) FROM scripts));
        INSERT INTO name_counters (prefix, highest)
            SELECT regexp_replace(name, '_[0-9]+$', ''), max(substring(name from '_([0-9]+)$')::int) FROM scripts GROUP BY 1
            ON CONFLICT (prefix) DO UPDATE SET highest = GREATEST(name_counters.highest, excluded.highest);
        """, connection);
    await finish.ExecuteNonQueryAsync();
    // As after any bulk load: set hint bits and statistics now, not during the first measurements.
    await using var vacuum = new NpgsqlCommand("VACUUM (ANALYZE)", connection);
    await vacuum.ExecuteNonQueryAsync();
    return vectors;
}
