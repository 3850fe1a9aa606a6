using System.Text.Json;

namespace ScriptPlatform.Registry.Bench;

/// <summary>A labelled script with the paraphrased queries that should find it.</summary>
public sealed record LabeledScript(string Name, string Category, string Description, string Summary, string[] Queries)
{
    public static List<LabeledScript> Load(string path) =>
        JsonSerializer.Deserialize<List<LabeledScript>>(File.ReadAllText(path), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
}

/// <summary>
/// Synthetic scripts for the 100,000-script scale test: plausible names and descriptions made from
/// combinations of actions, objects and contexts (deterministic for a seed).
/// </summary>
public static class SyntheticScripts
{
    private static readonly string[] Categories = ["data", "text", "web", "files", "image", "math", "finance", "ops", "network", "time", "geo", "audio", "video", "document", "dev", "security", "database", "health", "units", "misc"];
    private static readonly string[] Verbs = ["parse", "validate", "export", "import", "clean", "aggregate", "index", "archive", "audit", "reconcile", "schedule", "render", "encode", "decode", "sample", "rank", "tag", "match", "sync", "notify", "score", "label", "split", "join", "trim", "group", "pivot", "flag", "queue", "route", "cache", "snapshot", "migrate", "inspect", "annotate", "normalize", "bucket", "estimate", "lint", "profile"];
    private static readonly string[] Objects = ["invoices", "orders", "tickets", "sessions", "events", "metrics", "contacts", "leads", "shipments", "payments", "reviews", "comments", "sensors", "devices", "accounts", "employees", "students", "patients", "recipes", "bookings", "flights", "songs", "podcasts", "tweets", "repositories", "commits", "builds", "alerts", "incidents", "certificates", "domains", "records", "products", "coupons", "subscriptions", "campaigns", "surveys", "transcripts", "manuals", "receipts", "warehouses", "vehicles", "routes", "parcels", "assets", "licenses", "backups", "queries", "forms", "catalogues"];
    private static readonly string[] Contexts = ["from a remote server", "in a local folder", "for the monthly report", "for a dashboard", "in batches", "by region", "per customer", "with retries", "on a schedule", "from an API", "in the data lake", "for compliance", "across teams", "for auditors", "from legacy systems", "before import", "after export", "for machine learning", "for search", "in real time"];

    public sealed record Synthetic(string Name, string Category, string Description, string Summary, string Prefix, int Number);

    public static IEnumerable<Synthetic> Generate(int count, int seed = 1)
    {
        var random = new Random(seed);
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var category = Categories[random.Next(Categories.Length)];
            var verb = Verbs[random.Next(Verbs.Length)];
            var obj = Objects[random.Next(Objects.Length)];
            var context = Contexts[random.Next(Contexts.Length)];
            var other = Contexts[random.Next(Contexts.Length)];
            var prefix = $"{category}_{verb}_{obj}";
            numbers[prefix] = numbers.GetValueOrDefault(prefix) + 1;
            var n = numbers[prefix];
            var description = $"{char.ToUpperInvariant(verb[0])}{verb[1..]} {obj} {context}";
            var summary = $"Reads {obj} {other}, applies the {verb} step to each one and writes a summary of what changed.";
            yield return new Synthetic($"{prefix}_{n:D3}", category, description, summary, prefix, n);
        }
    }

    public static string Content(string description, string category) =>
        $$""""
        # /// script
        # requires-python = ">=3.11"
        # [tool.scriptplatform]
        # category = "{{category}}"
        # description = "{{description}}"
        # [tool.scriptplatform.params]
        # items = { type = "array", required = true, description = "the records to process" }
        # ///
        """{{description}}."""


        def execute(params):
            items = params["items"]
            return {"status": "success", "data": {"count": len(items)}, "metadata": {} }
        """";
}
