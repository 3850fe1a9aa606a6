namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Reciprocal rank fusion (Cormack et al., 2009): score = Σ 1 / (k + rank) over the lists that
/// contain an item. Needs only ranks, so ts_rank and cosine similarity never have to share a scale.
/// </summary>
public static class ReciprocalRankFusion
{
    public const int DefaultK = 60;

    /// <summary>Fuses ranked id lists (best first); the result is best first, ties by first-list rank.</summary>
    public static IReadOnlyList<FusedItem> Fuse(IReadOnlyList<IReadOnlyList<long>> rankings, int k = DefaultK)
    {
        var items = new Dictionary<long, FusedItem>();
        for (var list = 0; list < rankings.Count; list++)
        {
            var ranking = rankings[list];
            for (var i = 0; i < ranking.Count; i++)
            {
                var id = ranking[i];
                if (!items.TryGetValue(id, out var item))
                {
                    item = new FusedItem(id, new int[rankings.Count]);
                    items[id] = item;
                }

                if (item.Ranks[list] == 0)
                {
                    item.Ranks[list] = i + 1;
                    item.Score += 1.0 / (k + i + 1);
                }
            }
        }

        return items.Values
            .OrderByDescending(i => i.Score)
            .ThenBy(i => i.Ranks.Select(r => r == 0 ? int.MaxValue : r).Min())
            .ThenBy(i => i.Id)
            .ToList();
    }
}

/// <summary>A fused item: its score and 1-based rank in each input list (0 when absent).</summary>
public sealed class FusedItem(long id, int[] ranks)
{
    public long Id { get; } = id;

    public int[] Ranks { get; } = ranks;

    public double Score { get; set; }
}
