namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Nearest-neighbour search over script embeddings. The vectors of record live in Postgres; an index
/// is a fast, rebuildable view of them. The in-process implementation is brute force; a vector
/// database could implement this interface instead.
/// </summary>
public interface IVectorIndex
{
    int Dimensions { get; }

    int Count { get; }

    /// <summary>Adds or replaces the vector of a script.</summary>
    void Upsert(long scriptId, ReadOnlySpan<float> vector, string category, bool deprecated);

    void Remove(long scriptId);

    void SetDeprecated(long scriptId, bool deprecated);

    /// <summary>The <paramref name="k"/> most similar scripts passing the filter, best first.</summary>
    IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, VectorFilter filter);

    /// <summary>Approximate bytes held by the index.</summary>
    long MemoryBytes { get; }
}

/// <summary>Filters an index can apply while it scans (others are applied when hits are hydrated).</summary>
public sealed record VectorFilter(string? Category = null, bool IncludeDeprecated = false)
{
    public static readonly VectorFilter None = new();
}

/// <summary>One neighbour and its cosine similarity.</summary>
public readonly record struct VectorHit(long ScriptId, float Similarity);
