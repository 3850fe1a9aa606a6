using System.Globalization;
using Npgsql;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Search;

namespace ScriptPlatform.Registry.Bench;

/// <summary>
/// Chooses <see cref="HybridRanking.Weights"/>: reads each labelled query's two signals from the
/// running registry once (semantic with similarities, full text with ts_rank) and its word
/// evidence from the database (for the same head as the registry), then ranks them offline with the registry's own
/// <see cref="HybridRanking"/> under every weight on a grid. The best weights are chosen on the dev
/// half only; the held-out half is reported for them, never used to choose.
/// </summary>
public static class WeightSweep
{
    private static readonly double[] FullTextGrid = [0, 0.01, 0.02, 0.05, 0.1];
    private static readonly double[] OverlapGrid = [0, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2];
    private static readonly double[] DirectionGrid = [0, 0.05, 0.1, 0.15, 0.2, 0.3];

    private sealed record Case(int ScriptIndex, string Query, long Target, List<RankingCandidate> Candidates);

    public static async Task RunAsync(RegistryService.RegistryServiceClient client, string connectionString, List<LabeledScript> labeled, bool verbose, string corpus)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        var ids = new Dictionary<string, long>();
        await using (var command = new NpgsqlCommand("SELECT id, name FROM scripts", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids[reader.GetString(1)] = reader.GetInt64(0);
            }
        }

        var cases = new List<Case>();
        for (var index = 0; index < labeled.Count; index++)
        {
            foreach (var q in labeled[index].Queries)
            {
                var semantic = await client.SearchAsync(new SearchRequest { Query = q, Mode = SearchMode.Semantic, Limit = SearchService.CandidatesPerSignal });
                var fullText = await client.SearchAsync(new SearchRequest { Query = q, Mode = SearchMode.FullText, Limit = SearchService.CandidatesPerSignal });
                var candidates = HybridRanking.Candidates(
                    semantic.Hits.Select(h => new VectorHit(ids[h.Script.Name], (float)h.SemanticSimilarity)).ToList(),
                    fullText.Hits.Select(h => (ids[h.Script.Name], h.FullTextScore)).ToList());
                await LexicalEvidence.AddAsync(connection, q, candidates, 10, CancellationToken.None);
                cases.Add(new Case(index, q, ids[labeled[index].Name], candidates));
            }
        }

        var grid = (from f in FullTextGrid from o in OverlapGrid from d in DirectionGrid select new RankingWeights(f, o, d)).ToList();
        var scored = grid.Select(w => (Weights: w, Quality: Evaluate(cases, w))).ToList();
        var best = scored
            .OrderByDescending(s => s.Quality.Dev.Mrr)
            .ThenByDescending(s => s.Quality.Dev.Recall)
            .ThenBy(s => s.Weights.FullText + s.Weights.WordOverlap + s.Weights.Direction)
            .First();
        var semanticOnly = Evaluate(cases, new RankingWeights(0, 0, 0));
        var current = Evaluate(cases, HybridRanking.Weights);
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"Weight sweep over {grid.Count} weightings, {cases.Count} queries, {corpus} (chosen on dev only)");
        Console.WriteLine();
        Console.WriteLine("| weights (full text, word overlap, direction) | dev Recall@5 | dev MRR@10 | held-out Recall@5 | held-out MRR@10 |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (label, w, q) in new[] { ("similarity alone", new RankingWeights(0, 0, 0), semanticOnly), ("best on dev", best.Weights, best.Quality), ("HybridRanking.Weights", HybridRanking.Weights, current) })
        {
            Console.WriteLine(string.Format(inv, "| {0}: {1}, {2}, {3} | {4:F4} | {5:F4} | {6:F4} | {7:F4} |", label, w.FullText, w.WordOverlap, w.Direction, q.Dev.Recall, q.Dev.Mrr, q.HeldOut.Recall, q.HeldOut.Mrr));
        }

        Console.WriteLine();
        if (verbose)
        {
            // Dev only: the held-out half is not looked at while choosing.
            var names = ids.ToDictionary(p => p.Value, p => p.Key);
            foreach (var c in cases.Where(c => c.ScriptIndex % 2 == 0))
            {
                var ranked = HybridRanking.Rank(c.Candidates, best.Weights);
                var rank = ranked.FindIndex(r => r.Id == c.Target) + 1;
                if (rank != 1)
                {
                    Console.WriteLine($"  dev rank {rank} '{c.Query}' -> {names[c.Target]}; first: " + string.Join(", ", ranked.Take(3).Select(r => string.Format(inv, "{0} ({1:F3} sim {2:F3} ov {3:F2} dir {4:F2})", names[r.Id], r.Score, r.Similarity, r.WordOverlap, r.Direction))));
                }
            }

            Console.WriteLine();
            // How the dev half moves with the direction weight, the rest as chosen.
            foreach (var d in DirectionGrid)
            {
                var w = best.Weights with { Direction = d };
                var q = Evaluate(cases, w);
                Console.WriteLine(string.Format(inv, "  direction {0}: dev Recall@5 {1:F3} MRR@10 {2:F3}", d, q.Dev.Recall, q.Dev.Mrr));
                foreach (var c in cases.Where(c => c.ScriptIndex % 2 == 0))
                {
                    var was = HybridRanking.Rank(c.Candidates, best.Weights).FindIndex(r => r.Id == c.Target) + 1;
                    var now = HybridRanking.Rank(c.Candidates, w).FindIndex(r => r.Id == c.Target) + 1;
                    if (now != was)
                    {
                        Console.WriteLine($"    '{c.Query}' -> {names[c.Target]}: rank {was} -> {now}, first {names[HybridRanking.Rank(c.Candidates, w)[0].Id]}");
                    }
                }
            }

            Console.WriteLine();
        }
    }

    private static Quality Evaluate(List<Case> cases, RankingWeights weights)
    {
        var tally = new QualityTally();
        foreach (var c in cases)
        {
            var ranked = HybridRanking.Rank(c.Candidates, weights);
            var rank = ranked.FindIndex(r => r.Id == c.Target) + 1;
            tally.Add(c.ScriptIndex, rank is >= 1 and <= 10 ? rank : 0);
        }

        return tally.Result();
    }
}
