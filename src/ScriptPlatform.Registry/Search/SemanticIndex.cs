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

    /// <summary>
    /// The query's vector. For an embedder with exact feature dimensions (the offline one's lexicon
    /// concepts), those dimensions are weighted by inverse document frequency over the indexed
    /// scripts, so a rare shared concept counts for more than a common one. Only the query changes:
    /// stored vectors stay valid as the corpus grows.
    /// </summary>
    public async Task<float[]> EmbedQueryAsync(string query, CancellationToken cancellationToken)
    {
        var vector = await Provider.EmbedOneAsync(query, cancellationToken);
        if (Provider is IIdfWeightedEmbedder weighted)
        {
            var (from, to) = weighted.IdfDimensions;
            var n = Index.Count;
            for (var d = from; d < to && d < vector.Length; d++)
            {
                if (vector[d] != 0)
                {
                    vector[d] *= (float)(Math.Log((n + 1.0) / (Index.DocumentFrequency(d) + 1.0)) + 1);
                }
            }

            EmbeddingProviderExtensions.Normalize(vector);
        }

        return vector;
    }

    public Task<float[]> EmbedScriptAsync(string description, string summary, CancellationToken cancellationToken) =>
        Provider.EmbedOneAsync(TextOf(description, summary), cancellationToken);
}
