namespace ScriptPlatform.Registry.Bench;

/// <summary>Recall@5 and MRR@10 for all queries, and for the dev (even script index) and held-out (odd) halves.</summary>
public sealed record Quality(double Recall, double Mrr, (double Recall, double Mrr) Dev, (double Recall, double Mrr) HeldOut);

/// <summary>Counts hits per split: a script's queries go to dev when its index in the labelled set is even, else to held-out.</summary>
public sealed class QualityTally
{
    private readonly double[] _found = new double[2];
    private readonly double[] _reciprocal = new double[2];
    private readonly double[] _count = new double[2];

    /// <summary>Records one query of the script at <paramref name="scriptIndex"/>; rank is 1-based, 0 when not returned.</summary>
    public void Add(int scriptIndex, int rank)
    {
        var split = scriptIndex % 2;
        _found[split] += rank is >= 1 and <= 5 ? 1 : 0;
        _reciprocal[split] += rank >= 1 ? 1.0 / rank : 0;
        _count[split]++;
    }

    public Quality Result()
    {
        static double Div(double a, double b) => b == 0 ? 0 : a / b;
        return new Quality(
            Div(_found[0] + _found[1], _count[0] + _count[1]),
            Div(_reciprocal[0] + _reciprocal[1], _count[0] + _count[1]),
            (Div(_found[0], _count[0]), Div(_reciprocal[0], _count[0])),
            (Div(_found[1], _count[1]), Div(_reciprocal[1], _count[1])));
    }
}
