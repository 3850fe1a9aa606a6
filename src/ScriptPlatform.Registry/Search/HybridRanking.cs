namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Hybrid ranking with the semantic signal as its floor. A candidate's score is its cosine
/// similarity plus bounded lexical evidence (<see cref="LexicalEvidence"/>): its full-text rank (all
/// query words matched), the rarity-weighted share of query words it contains, and a penalty when its
/// name or description has a directed pair of them ("csv into json") the other way round (what
/// tells csv→json from json→csv). Full text only adds evidence: a candidate the vector store did not
/// return is never placed above a semantic hit (similarity ≥ <see cref="SemanticHitFloor"/>), so
/// full text cannot push a semantic hit out of any top k; it can only reorder semantic candidates
/// or fill places the semantic hits leave free.
/// </summary>
public static class HybridRanking
{
    /// <summary>
    /// Chosen on the dev half of bench/registry/labeled.json (even script index: 42 scripts, 89 queries) by the bench's
    /// sweep over 240 weightings (bench/registry/WeightSweep.cs), alone and among 100,000 scripts, then checked once on the
    /// held-out half (42 scripts, 92 queries). Recall@5 / MRR@10 with the field-weighted vectors (SemanticIndex), one run:
    /// labelled set alone, similarity alone dev 0.9888 / 0.8867, held-out 1.0000 / 0.8962;
    ///                     these weights    dev 0.9888 / 0.9260, held-out 1.0000 / 0.9234;
    /// among 100,000,      similarity alone dev 0.9213 / 0.7869, held-out 0.9348 / 0.8344;
    ///                     these weights    dev 0.9213 / 0.8262, held-out 0.9348 / 0.8616.
    /// Full-text rank and word overlap add nothing on dev: among 100,000 scripts the words a query shares are mostly
    /// what the distractors share with it too (word overlap 0.07, the weight of the single-text vectors, lowered dev
    /// Recall@5 there from 0.921 to 0.876), so both weigh 0. Direction puts every twin first that the model ranks second
    /// on dev from 0.15 on ("convert csv into json", "wav to mp3", "decimal to binary", ...); 0.2 and 0.3 score the same
    /// on dev, and the smallest is kept.
    /// </summary>
    public static readonly RankingWeights Weights = new(FullText: 0, WordOverlap: 0, Direction: 0.15);

    /// <summary>Full-text mode: the order and score of ts_rank alone (relative to the best match).</summary>
    public static readonly RankingWeights FullTextOnly = new(FullText: 1, WordOverlap: 0, Direction: 0);

    /// <summary>
    /// From this cosine similarity a semantic candidate is a hit that full-text-only candidates never
    /// outrank; below it (all-MiniLM-L6-v2 puts unrelated short texts at 0–0.25) a keyword match may
    /// come first.
    /// </summary>
    public const float SemanticHitFloor = 0.30f;

    /// <summary>Joins the two signals' lists (best first) into candidates; lexical features are added later for the head.</summary>
    public static List<RankingCandidate> Candidates(IReadOnlyList<VectorHit> semantic, IReadOnlyList<(long Id, double Rank)> fullText)
    {
        var byId = new Dictionary<long, RankingCandidate>();
        for (var i = 0; i < semantic.Count; i++)
        {
            byId.TryAdd(semantic[i].ScriptId, new RankingCandidate(semantic[i].ScriptId) { Similarity = semantic[i].Similarity, SemanticRank = i + 1 });
        }

        var best = fullText.Count == 0 ? 0 : fullText.Max(f => f.Rank);
        for (var i = 0; i < fullText.Count; i++)
        {
            var (id, rank) = fullText[i];
            if (!byId.TryGetValue(id, out var candidate))
            {
                candidate = new RankingCandidate(id);
                byId[id] = candidate;
            }

            if (candidate.FullTextRank == 0)
            {
                candidate.FullTextRank = i + 1;
                // Relative to the best match of this query: ts_rank has no fixed scale.
                candidate.FullTextEvidence = best > 0 ? Math.Clamp(rank / best, 0, 1) : 1;
            }
        }

        return byId.Values.ToList();
    }

    public static double Score(RankingCandidate c, RankingWeights w) =>
        (c.Similarity ?? 0) + (w.FullText * c.FullTextEvidence) + (w.WordOverlap * c.WordOverlap) + (w.Direction * c.Direction);

    /// <summary>The highest score any candidate can reach (an exact name is placed above it).</summary>
    public static double MaxScore(RankingWeights w) => 1 + w.FullText + w.WordOverlap + w.Direction;

    /// <summary>
    /// Orders candidates best first by <see cref="Score"/> (ties: semantic rank, full-text rank, id),
    /// except that a candidate without a semantic similarity waits until every semantic hit is placed.
    /// </summary>
    public static List<RankingCandidate> Rank(IEnumerable<RankingCandidate> candidates, RankingWeights? weights = null)
    {
        var w = weights ?? Weights;
        var ordered = candidates
            .Select(c => { c.Score = Score(c, w); return c; })
            .OrderByDescending(c => c.Score)
            .ThenBy(c => c.SemanticRank == 0 ? int.MaxValue : c.SemanticRank)
            .ThenBy(c => c.FullTextRank == 0 ? int.MaxValue : c.FullTextRank)
            .ThenBy(c => c.Id)
            .ToList();
        var hitsLeft = ordered.Count(IsSemanticHit);
        var result = new List<RankingCandidate>(ordered.Count);
        var waiting = new List<RankingCandidate>();
        foreach (var c in ordered)
        {
            if (c.Similarity is null && hitsLeft > 0)
            {
                waiting.Add(c);
                continue;
            }

            result.Add(c);
            if (IsSemanticHit(c) && --hitsLeft == 0)
            {
                // Every semantic hit is placed: the held-back keyword matches take their turn by score.
                result.AddRange(waiting);
                waiting.Clear();
            }
        }

        result.AddRange(waiting);
        return result;
    }

    private static bool IsSemanticHit(RankingCandidate c) => c.Similarity >= SemanticHitFloor;
}

/// <summary>How much each kind of lexical evidence adds to a cosine similarity (each feature is in [0, 1], direction in [-1, 1]).</summary>
public sealed record RankingWeights(double FullText, double WordOverlap, double Direction);

/// <summary>One candidate of a hybrid search and its evidence; ranks are 1-based, 0 when the signal did not return it.</summary>
public sealed class RankingCandidate(long id)
{
    public long Id { get; } = id;

    public float? Similarity { get; set; }

    public int SemanticRank { get; set; }

    public int FullTextRank { get; set; }

    public double FullTextEvidence { get; set; }

    public double WordOverlap { get; set; }

    public double Direction { get; set; }

    public double Score { get; set; }
}
