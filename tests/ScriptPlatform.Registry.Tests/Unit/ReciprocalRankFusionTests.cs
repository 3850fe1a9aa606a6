using ScriptPlatform.Registry.Search;

namespace ScriptPlatform.Registry.Tests.Unit;

public class ReciprocalRankFusionTests
{
    [Fact]
    public void An_item_found_by_both_signals_outranks_items_found_by_one()
    {
        var fused = ReciprocalRankFusion.Fuse([[1, 2, 3], [4, 3, 5]]);
        Assert.Equal(3, fused[0].Id);
        Assert.Equal([3, 2], fused[0].Ranks);
        Assert.Equal(1.0 / 63 + 1.0 / 62, fused[0].Score, 12);
    }

    [Fact]
    public void Scores_are_the_sum_of_reciprocal_ranks_and_absent_ranks_are_zero()
    {
        var fused = ReciprocalRankFusion.Fuse([[10], []], k: 60);
        var item = Assert.Single(fused);
        Assert.Equal(1.0 / 61, item.Score, 12);
        Assert.Equal([1, 0], item.Ranks);
    }

    [Fact]
    public void Ties_break_by_the_best_single_rank_then_id()
    {
        var fused = ReciprocalRankFusion.Fuse([[7, 8], [8, 7]]);
        Assert.Equal([7, 8], fused.Select(f => f.Id));
        Assert.Equal(fused[0].Score, fused[1].Score, 12);
    }

    [Fact]
    public void Duplicates_within_one_list_count_once()
    {
        var fused = ReciprocalRankFusion.Fuse([[1, 1, 2]]);
        Assert.Equal(1.0 / 61, fused.Single(f => f.Id == 1).Score, 12);
    }
}
