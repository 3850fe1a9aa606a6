namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Nearest-neighbour search over script embeddings. The vectors of record live in Postgres
/// (<c>script_embeddings</c>); a store is a rebuildable projection of them with the payload its
/// filters need. Two implementations: <see cref="InMemoryVectorIndex"/> (in process, the default)
/// and <see cref="QdrantVectorStore"/> (when <c>ConnectionStrings__qdrant</c> is set).
/// </summary>
public interface IVectorStore
{
    /// <summary>For logs and errors: "in-process" or "qdrant at ...".</summary>
    string Name { get; }

    int Dimensions { get; }

    /// <summary>True when the store lives in this process: it is empty at start and must be loaded before serving.</summary>
    bool IsInProcess { get; }

    /// <summary>Creates what the store needs (Qdrant: the collection, with the model's dimension and cosine distance); idempotent.</summary>
    Task EnsureCreatedAsync(CancellationToken cancellationToken);

    /// <summary>Adds or replaces points.</summary>
    Task UpsertAsync(IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken);

    Task DeleteAsync(IReadOnlyList<long> scriptIds, CancellationToken cancellationToken);

    /// <summary>The <paramref name="k"/> most similar scripts passing the filter, best first.</summary>
    Task<IReadOnlyList<VectorHit>> SearchAsync(float[] query, int k, VectorFilter filter, CancellationToken cancellationToken);

    /// <summary>Every script id held (start-up re-sync deletes those Postgres no longer has).</summary>
    Task<IReadOnlyCollection<long>> ListIdsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// False when the store has lost what was synced to it (Qdrant: the collection is gone, as after a
    /// restart without its storage); throws <see cref="VectorStoreUnavailableException"/> when it does not
    /// answer. One cheap call: the synchroniser asks on every poll, so an outage or a loss is noticed
    /// (readiness, re-sync) without waiting for a write to fail.
    /// </summary>
    Task<bool> IsIntactAsync(CancellationToken cancellationToken);
}

/// <summary>A script's vector and the payload the filters read.</summary>
public sealed record VectorPoint(long ScriptId, float[] Vector, string Category, IReadOnlyList<string> Tags, bool Deprecated, IReadOnlyList<string> Agents);

/// <summary>Filters applied inside the store while it searches.</summary>
public sealed record VectorFilter(string? Category = null, bool IncludeDeprecated = false, IReadOnlyList<string>? Tags = null, string? AgentId = null)
{
    public static readonly VectorFilter None = new();
}

/// <summary>One neighbour and its cosine similarity.</summary>
public readonly record struct VectorHit(long ScriptId, float Similarity);

/// <summary>The vector store did not answer (Qdrant down or unreachable); callers answer UNAVAILABLE.</summary>
public sealed class VectorStoreUnavailableException(string store, Exception inner)
    : Exception($"the vector store ({store}) did not answer: {inner.Message}", inner)
{
    public string Store { get; } = store;
}
