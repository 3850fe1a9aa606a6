using ScriptPlatform.Registry.Bench;

namespace ScriptPlatform.Registry.Tests.Unit;

/// <summary>The bench's dev / held-out split of the labelled set (bench/registry/Quality.cs, linked in).</summary>
public class QualityTallyTests
{
    [Fact]
    public void Even_script_indexes_are_dev_odd_ones_held_out_and_all_covers_both()
    {
        var tally = new QualityTally();
        tally.Add(0, 1);  // dev: hit, reciprocal rank 1
        tally.Add(0, 0);  // dev: not returned
        tally.Add(2, 5);  // dev: hit at 5
        tally.Add(2, 6);  // dev: outside the top 5, still counts for MRR
        tally.Add(1, 2);  // held-out: hit
        tally.Add(3, 0);  // held-out: not returned

        var q = tally.Result();

        Assert.Equal(0.5, q.Dev.Recall, 9);
        Assert.Equal((1 + 0.2 + 1.0 / 6) / 4, q.Dev.Mrr, 9);
        Assert.Equal(0.5, q.HeldOut.Recall, 9);
        Assert.Equal(0.25, q.HeldOut.Mrr, 9);
        Assert.Equal(3.0 / 6, q.Recall, 9);
        Assert.Equal((1 + 0.2 + 1.0 / 6 + 0.5) / 6, q.Mrr, 9);
    }

    [Fact]
    public void An_empty_split_reports_zero_rather_than_nan()
    {
        var tally = new QualityTally();
        tally.Add(0, 1);
        var q = tally.Result();
        Assert.Equal(0, q.HeldOut.Recall);
        Assert.Equal(1, q.Dev.Recall);
    }
}
