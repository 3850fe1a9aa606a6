using ScriptPlatform.Registry.Search;

namespace ScriptPlatform.Registry.Tests.Unit;

public class HybridRankingTests
{
    private static readonly RankingWeights Some = new(FullText: 0.05, WordOverlap: 0.1, Direction: 0.05);

    private static List<RankingCandidate> Candidates(params (long Id, float Similarity)[] semantic) =>
        HybridRanking.Candidates(semantic.Select(s => new VectorHit(s.Id, s.Similarity)).ToList(), []);

    [Fact]
    public void Without_word_evidence_the_order_is_the_semantic_order()
    {
        var ranked = HybridRanking.Rank(Candidates((3, 0.8f), (1, 0.6f), (2, 0.4f)), Some);
        Assert.Equal([3, 1, 2], ranked.Select(r => r.Id));
        Assert.Equal([1, 2, 3], ranked.Select(r => r.SemanticRank));
    }

    [Fact]
    public void Full_text_evidence_decides_between_close_twins_but_not_against_a_clear_semantic_winner()
    {
        var close = HybridRanking.Candidates([new VectorHit(1, 0.61f), new VectorHit(2, 0.60f)], [(2, 0.5)]);
        Assert.Equal(2, HybridRanking.Rank(close, Some)[0].Id);
        Assert.Equal((2, 1), (close.Single(c => c.Id == 2).SemanticRank, close.Single(c => c.Id == 2).FullTextRank));

        var clear = HybridRanking.Candidates([new VectorHit(1, 0.80f), new VectorHit(2, 0.40f)], [(2, 0.5)]);
        Assert.Equal(1, HybridRanking.Rank(clear, Some)[0].Id);
    }

    [Fact]
    public void A_full_text_only_match_never_passes_a_semantic_hit_however_strong_its_words()
    {
        var candidates = HybridRanking.Candidates([new VectorHit(1, HybridRanking.SemanticHitFloor), new VectorHit(2, 0.1f)], [(9, 1.0)]);
        var keyword = candidates.Single(c => c.Id == 9);
        keyword.WordOverlap = 1;
        keyword.Direction = 1;

        var ranked = HybridRanking.Rank(candidates, new RankingWeights(1, 1, 1));

        Assert.True(ranked.Single(r => r.Id == 9).Score > ranked.Single(r => r.Id == 1).Score);
        // Below the floor a weak semantic neighbour is not protected: the strong keyword match passes it.
        Assert.Equal([1, 9, 2], ranked.Select(r => r.Id));
    }

    /// <summary>
    /// The property issue 13 asks for, over random inputs: for every k, each semantic hit that a
    /// semantic-only ranking puts in its top k is in the hybrid top k unless a candidate the vector
    /// store also returned took its place; a full-text-only candidate never does.
    /// </summary>
    [Fact]
    public void Full_text_never_pushes_a_semantic_hit_out_of_any_top_k()
    {
        var random = new Random(13);
        for (var round = 0; round < 2000; round++)
        {
            var ids = Enumerable.Range(1, 30).OrderBy(_ => random.Next()).ToArray();
            var semantic = ids.Take(random.Next(0, 20)).Select(id => new VectorHit(id, (float)random.NextDouble())).OrderByDescending(h => h.Similarity).ToList();
            var fullText = ids.Skip(random.Next(0, 25)).Take(random.Next(0, 15)).Select(id => ((long)id, random.NextDouble())).OrderByDescending(f => f.Item2).ToList();
            var candidates = HybridRanking.Candidates(semantic, fullText);
            foreach (var c in candidates)
            {
                c.WordOverlap = random.NextDouble();
                c.Direction = (random.NextDouble() * 2) - 1;
            }

            var weights = new RankingWeights(random.NextDouble(), random.NextDouble(), random.NextDouble());
            var hybrid = HybridRanking.Rank(candidates, weights);

            Assert.Equal(candidates.Count, hybrid.Count);
            var semanticIds = semantic.Select(s => s.ScriptId).ToHashSet();
            for (var k = 1; k <= hybrid.Count; k++)
            {
                var top = hybrid.Take(k).ToList();
                var missingHits = semantic.Take(k).Where(h => h.Similarity >= HybridRanking.SemanticHitFloor && top.All(t => t.Id != h.ScriptId)).ToList();
                var fullTextOnly = top.Where(t => !semanticIds.Contains(t.Id)).ToList();
                Assert.True(missingHits.Count == 0 || fullTextOnly.Count == 0,
                    $"round {round}, k {k}: semantic hit {missingHits.FirstOrDefault().ScriptId} pushed out while full-text-only {fullTextOnly.FirstOrDefault()?.Id} is in the top k");
            }
        }
    }

    [Fact]
    public void Scores_are_similarity_plus_weighted_evidence_and_ranked_best_first()
    {
        var candidates = HybridRanking.Candidates([new VectorHit(1, 0.5f), new VectorHit(2, 0.45f)], [(1, 0.2), (2, 0.4)]);
        candidates.Single(c => c.Id == 1).WordOverlap = 0.5;
        candidates.Single(c => c.Id == 2).Direction = -1;
        var w = new RankingWeights(FullText: 0.1, WordOverlap: 0.2, Direction: 0.3);

        var ranked = HybridRanking.Rank(candidates, w);

        Assert.Equal(0.5 + (0.1 * 0.5) + (0.2 * 0.5), ranked[0].Score, 6);
        Assert.Equal(1, ranked[0].Id);
        Assert.Equal(0.45 + 0.1 - 0.3, ranked[1].Score, 6);
        Assert.True(HybridRanking.MaxScore(w) > ranked[0].Score);
    }

    /// <summary>Every pair directed: as if "to" stood between each two query words.</summary>
    private static bool[,] AllDirected(int words) => LexicalEvidence.DirectedPairs(Enumerable.Range(0, words).Select(i => i * 2).ToArray(), Enumerable.Range(0, words).Select(i => (i * 2) + 1).ToArray());

    [Theory]
    [InlineData(new[] { 2, 5 }, 0.0)]
    [InlineData(new[] { 5, 2 }, -1.0)]
    [InlineData(new[] { 2, 0, 5 }, 0.0)]
    [InlineData(new[] { 1, 3, 2 }, -1.0 / 3)]
    [InlineData(new[] { 4 }, 0.0)]
    [InlineData(new int[0], 0.0)]
    public void Direction_is_minus_the_share_of_directed_word_pairs_in_reverse_order(int[] positions, double expected) =>
        Assert.Equal(expected, LexicalEvidence.Direction(AllDirected(positions.Length), positions), 9);

    [Fact]
    public void Only_pairs_with_to_into_or_as_between_them_state_a_direction()
    {
        // "convert(1) csv(2) into(3) json(4)": convert-csv is phrasing, csv-json and convert-json cross "into".
        var directed = LexicalEvidence.DirectedPairs([1, 2, 4], [3]);
        Assert.Equal(new[] { false, true, true }, new[] { directed[0, 1], directed[0, 2], directed[1, 2] });
        // "unpack(1) zip(3) file(4)": no marker, so "files of a zip archive" is not reversed.
        Assert.Equal(0.0, LexicalEvidence.Direction(LexicalEvidence.DirectedPairs([1, 3, 4], []), [0, 0, 0], [0, 9, 5]), 9);
    }

    [Fact]
    public void Direction_is_judged_within_each_field_never_across_them()
    {
        var directed = LexicalEvidence.DirectedPairs([1, 2, 4], [3]);
        // "convert csv into json" against name "data csv to json" (csv 2, json 4; no "convert") and
        // description "Convert a CSV file to JSON" (7, 9, 12): no directed pair reversed.
        Assert.Equal(0.0, LexicalEvidence.Direction(directed, [0, 2, 4], [7, 9, 12]), 9);
        // Its twin "data json to csv" / "Convert a JSON file to CSV": the name is wholly reversed
        // (1 of 1 directed pairs), the description in part (1 of 2); the name counts.
        Assert.Equal(-1.0, LexicalEvidence.Direction(directed, [0, 4, 2], [7, 12, 9]), 9);
        Assert.Equal(-0.5, LexicalEvidence.Direction(directed, [0, 0, 0], [7, 12, 9]), 9);
    }

    [Fact]
    public void Overlap_weighs_each_query_word_by_how_few_candidates_contain_it()
    {
        // Word 0 in all three candidates, word 1 in one, word 2 in none.
        int[][] candidates = [[1, 0, 0], [2, 5, 0], [3, 0, 0]];
        var idf = LexicalEvidence.Idf(candidates);
        Assert.Equal([Math.Log(2), Math.Log(4), 0], idf);
        Assert.Equal(1.0, LexicalEvidence.Overlap(candidates[1], idf), 9);
        Assert.Equal(Math.Log(2) / (Math.Log(2) + Math.Log(4)), LexicalEvidence.Overlap(candidates[0], idf), 9);
        Assert.Equal(0, LexicalEvidence.Overlap([], []));
    }
}
