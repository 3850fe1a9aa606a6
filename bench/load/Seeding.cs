using System.Diagnostics;
using Grpc.Core;
using Npgsql;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Bench.Load;

/// <summary>
/// What the clients find and run: a few hundred published scripts with varied names and descriptions
/// (deterministic: verbs x objects x contexts), and one small adder for the runs.
/// </summary>
public sealed class Seeding(RegistryService.RegistryServiceClient registry, Metadata admin)
{
    public const string Adder = "math_load_adder_001";

    private static readonly string[] Categories = ["data", "text", "files", "finance", "ops", "network", "time", "geo", "units", "document"];
    private static readonly string[] Verbs = ["convert", "parse", "validate", "export", "clean", "aggregate", "merge", "split", "rank", "tag", "normalize", "summarize", "deduplicate", "encode", "archive"];
    private static readonly string[] Objects = ["csv files", "json records", "invoices", "orders", "log lines", "sensor readings", "contacts", "payments", "timestamps", "addresses", "currencies", "xml documents", "spreadsheets", "emails", "web pages"];
    private static readonly string[] Contexts = ["to json", "into a report", "by region", "per customer", "in batches", "for auditors", "before import", "after export", "for a dashboard", "on a schedule"];

    /// <summary>The published scripts' names (Load) and descriptions (queries for Search and "find a script that ...").</summary>
    public List<(string Name, string Description)> Scripts { get; } = [];

    /// <summary>Publishes <paramref name="count"/> scripts and the adder, with <paramref name="parallel"/> publishers.</summary>
    public async Task PublishAsync(int count, int parallel, CancellationToken ct)
    {
        var random = new Random(16);
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var (category, verb, obj, context) = (Pick(Categories), Pick(Verbs), Pick(Objects), Pick(Contexts));
            var prefix = $"{category}_{verb}_{obj.Split(' ')[0]}";
            numbers[prefix] = numbers.GetValueOrDefault(prefix) + 1;
            Scripts.Add(($"{prefix}_{numbers[prefix]:D3}", $"{char.ToUpperInvariant(verb[0])}{verb[1..]} {obj} {context}"));
        }

        await registry.PublishAsync(new PublishRequest { Name = Adder, Version = "1.0.0", Content = AdderContent, Changelog = "load bench" }, Options(ct));
        await Parallel.ForEachAsync(Scripts, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct }, async (script, token) =>
            await registry.PublishAsync(new PublishRequest { Name = script.Name, Version = "1.0.0", Content = Content(script.Description, script.Name.Split('_')[0]), Changelog = "load bench" }, Options(token)));

        string Pick(string[] from) => from[random.Next(from.Length)];
    }

    /// <summary>
    /// Waits until every published script has its vector in the Registry's database (it embeds off the
    /// publish path) and a search by meaning finds the last one, so the clock starts on a settled index.
    /// </summary>
    public async Task<TimeSpan> EmbeddedAsync(string registryDb, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        await using var data = NpgsqlDataSource.Create(registryDb);
        while (true)
        {
            await using var command = data.CreateCommand(
                "SELECT count(*) FROM scripts s LEFT JOIN script_embeddings e ON e.script_id = s.id WHERE e.script_id IS NULL");
            var missing = (long)(await command.ExecuteScalarAsync(ct))!;
            var last = Scripts[^1];
            if (missing == 0)
            {
                var found = await registry.SearchAsync(new SearchRequest { Query = last.Description, Mode = SearchMode.Semantic, Limit = 20 }, Options(ct));
                if (found.Hits.Any(h => h.Script.Name == last.Name))
                {
                    return waited.Elapsed;
                }
            }

            if (waited.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"{missing} published scripts still have no vector after 5 minutes");
            }

            await Task.Delay(250, ct);
        }
    }

    private CallOptions Options(CancellationToken ct) => new(admin, DateTime.UtcNow.AddMinutes(1), ct);

    private static string Content(string description, string category) =>
        $$$""""
        # /// script
        # requires-python = ">=3.11"
        # [tool.scriptplatform]
        # category = "{{{category}}}"
        # description = "{{{description}}}"
        # [tool.scriptplatform.params]
        # items = { type = "array", required = true, description = "the records to process" }
        # ///
        """{{{description}}}."""


        def execute(params):
            items = params["items"]
            return {"status": "success", "data": {"count": len(items)}, "metadata": {}}
        """";

    private const string AdderContent =
        """"
        # /// script
        # requires-python = ">=3.11"
        # [tool.scriptplatform]
        # category = "math"
        # description = "Adds two numbers"
        # [tool.scriptplatform.params]
        # a = { type = "integer", required = true, description = "first operand" }
        # b = { type = "integer", default = 0, description = "second operand" }
        # ///
        """Adds two numbers: params a and b; returns their sum."""


        def execute(params):
            return {"status": "success", "data": {"sum": params["a"] + params.get("b", 0)}, "metadata": {}}
        """";
}
