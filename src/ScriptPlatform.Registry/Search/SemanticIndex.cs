using ScriptPlatform.Registry.Search.Embeddings;

namespace ScriptPlatform.Registry.Search;

/// <summary>The embedding provider and the vector index together: what the store calls on writes and search calls on reads.</summary>
public sealed class SemanticIndex(IEmbeddingProvider provider, IVectorIndex index)
{
    public IEmbeddingProvider Provider { get; } = provider;

    public IVectorIndex Index { get; } = index;

    /// <summary>What is embedded for a script: its description and summary.</summary>
    public static string TextOf(string description, string summary) =>
        string.IsNullOrWhiteSpace(summary) ? description : string.IsNullOrWhiteSpace(description) ? summary : description.TrimEnd('.', ' ') + ". " + summary;

    public Task<float[]> EmbedScriptAsync(string description, string summary, CancellationToken cancellationToken) =>
        Provider.EmbedOneAsync(TextOf(description, summary), cancellationToken);
}
