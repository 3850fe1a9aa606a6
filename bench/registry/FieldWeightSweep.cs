using ScriptPlatform.Registry.Search;

namespace ScriptPlatform.Registry.Bench;

/// <summary>
/// How <see cref="SemanticIndex.Weights"/> were chosen (<c>--field-sweep</c>): every labelled query among the labelled
/// and the synthetic scripts, with each script's vector made from its fields' own vectors summed with weights from a
/// grid. Re-embedding 100,000 scripts per weighting would take hours, so each query is ranked within its 150 nearest
/// scripts under the current vectors (and every labelled script): a reweighting moves scripts within that neighbourhood,
/// not from the far end of the corpus. Chosen on dev, checked on held-out; semantic search alone (hybrid adds full text).
/// </summary>
public static class FieldWeightSweep
{
    private const int Neighbourhood = 150;
    private static readonly float[] NameWeights = [0, 0.25f, 0.5f, 0.75f, 1];
    private static readonly float[] SummaryWeights = [0.5f, 0.75f, 1, 1.25f, 1.5f];

    public static async Task RunAsync(SemanticIndex semantic, List<LabeledScript> labeled, int scale)
    {
        var scripts = labeled.Select(l => new ScriptText(l.Name, l.Description, l.Summary))
            .Concat(SyntheticScripts.Generate(scale).Select(s => new ScriptText(s.Name, s.Description, s.Summary))).ToList();
        var current = (await semantic.EmbedScriptsAsync(scripts[..labeled.Count], CancellationToken.None))
            .Concat(await SeedVectorCache.LoadOrEmbedAsync(semantic, scripts[labeled.Count..])).ToArray();
        var queries = labeled.SelectMany((l, index) => l.Queries.Select(q => (Text: q, Script: index))).ToList();
        var queryVectors = await semantic.EmbedManyAsync(queries.Select(q => q.Text).ToList(), CancellationToken.None);
        var neighbourhoods = queryVectors.Select(q => Nearest(current, q, Neighbourhood).Union(Enumerable.Range(0, labeled.Count)).ToArray()).ToList();

        // Each field of every script in a neighbourhood, embedded on its own (all fields are set in this corpus).
        var candidates = neighbourhoods.SelectMany(n => n).Distinct().ToArray();
        Console.WriteLine($"field sweep: embedding the 3 fields of {candidates.Length:N0} scripts ({queries.Count} queries' {Neighbourhood} nearest among {scripts.Count:N0}) ...");
        var texts = candidates.Select(i => SemanticIndex.PartsOf(scripts[i], new FieldWeights(1, 1, 1)).Select(p => p.Text).ToArray()).ToList();
        if (texts.Any(t => t.Length != 3))
        {
            throw new InvalidOperationException("every script of the sweep needs a name, a description and a summary");
        }

        var fieldVectors = await semantic.EmbedManyAsync(texts.SelectMany(t => t).ToList(), CancellationToken.None);
        var slot = candidates.Select((script, k) => (script, k)).ToDictionary(x => x.script, x => x.k);

        Console.WriteLine();
        Console.WriteLine($"Field weights (description 1), semantic search among {scripts.Count:N0} scripts; chosen on dev only");
        Console.WriteLine();
        Console.WriteLine("| name | summary | dev Recall@5 | dev MRR@10 | held-out Recall@5 | held-out MRR@10 | all Recall@5 |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var results = new List<(FieldWeights Weights, Quality Quality)>();
        foreach (var name in NameWeights)
        {
            foreach (var summary in SummaryWeights)
            {
                var weights = new FieldWeights(name, 1, summary);
                var vectors = candidates.Select((_, k) => Combine(fieldVectors, k, weights)).ToArray();
                var tally = new QualityTally();
                for (var q = 0; q < queries.Count; q++)
                {
                    var ranked = neighbourhoods[q].OrderByDescending(i => Dot(queryVectors[q], vectors[slot[i]])).Take(10).ToList();
                    tally.Add(queries[q].Script, ranked.IndexOf(queries[q].Script) + 1);
                }

                var quality = tally.Result();
                results.Add((weights, quality));
                var mark = weights == SemanticIndex.Weights ? " (SemanticIndex.Weights)" : "";
                Console.WriteLine($"| {name} | {summary}{mark} | {quality.Dev.Recall:F3} | {quality.Dev.Mrr:F3} | {quality.HeldOut.Recall:F3} | {quality.HeldOut.Mrr:F3} | {quality.Recall:F3} |");
            }
        }

        // Ties on dev Recall@5 go to the smaller name weight (the name mostly repeats the description's words), then to
        // the smaller summary weight: the choice must not hinge on MRR differences of a query or two.
        var bestRecall = results.Max(r => r.Quality.Dev.Recall);
        var ties = results.Where(r => r.Quality.Dev.Recall == bestRecall).ToList();
        var best = ties.OrderBy(r => r.Weights.Name).ThenBy(r => r.Weights.Summary).First();
        Console.WriteLine();
        Console.WriteLine($"best dev Recall@5 {bestRecall:F3}: {string.Join("; ", ties.Select(t => $"name {t.Weights.Name}, summary {t.Weights.Summary}"))}");
        Console.WriteLine($"chosen (ties to the smaller name weight): name {best.Weights.Name}, summary {best.Weights.Summary}, held-out Recall@5 {best.Quality.HeldOut.Recall:F3}" +
            (best.Weights == SemanticIndex.Weights ? " = SemanticIndex.Weights" : $"; SemanticIndex.Weights differ ({SemanticIndex.Weights})"));
    }

    private static float[] Combine(float[][] fieldVectors, int candidate, FieldWeights weights)
    {
        var (name, description, summary) = (fieldVectors[3 * candidate], fieldVectors[3 * candidate + 1], fieldVectors[3 * candidate + 2]);
        var sum = new float[name.Length];
        for (var d = 0; d < sum.Length; d++)
        {
            sum[d] = weights.Name * name[d] + weights.Description * description[d] + weights.Summary * summary[d];
        }

        return SemanticIndex.Normalize(sum);
    }

    private static IEnumerable<int> Nearest(float[][] vectors, float[] query, int count) =>
        Enumerable.Range(0, vectors.Length).Select(i => (i, Similarity: Dot(query, vectors[i]))).OrderByDescending(x => x.Similarity).Take(count).Select(x => x.i);

    private static float Dot(float[] a, float[] b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
