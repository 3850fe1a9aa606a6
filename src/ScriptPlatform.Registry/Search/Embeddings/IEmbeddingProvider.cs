namespace ScriptPlatform.Registry.Search.Embeddings;

/// <summary>Turns text into unit-length vectors for semantic search.</summary>
public interface IEmbeddingProvider
{
    /// <summary>
    /// Identifies the model and its settings; stored with every vector so that a change of provider
    /// re-embeds instead of comparing vectors from different spaces.
    /// </summary>
    string ModelId { get; }

    /// <summary>Length of every vector this provider returns.</summary>
    int Dimensions { get; }

    /// <summary>One L2-normalised vector per input, in order.</summary>
    Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}

/// <summary>An embedder with exact (collision-free) feature dimensions whose query weights should follow inverse document frequency.</summary>
public interface IIdfWeightedEmbedder
{
    /// <summary>The half-open range of those dimensions.</summary>
    (int From, int To) IdfDimensions { get; }
}

public static class EmbeddingProviderExtensions
{
    public static async Task<float[]> EmbedOneAsync(this IEmbeddingProvider provider, string text, CancellationToken cancellationToken = default) =>
        (await provider.EmbedAsync([text], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Scales a vector to unit length in place (a zero vector stays zero).</summary>
    public static float[] Normalize(float[] vector)
    {
        double sum = 0;
        foreach (var v in vector)
        {
            sum += v * v;
        }

        if (sum > 0)
        {
            var inv = (float)(1 / Math.Sqrt(sum));
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] *= inv;
            }
        }

        return vector;
    }
}

/// <summary>Embedding settings: <c>ScriptPlatform:Registry:Embeddings</c>.</summary>
public sealed class EmbeddingOptions
{
    public const string Section = "ScriptPlatform:Registry:Embeddings";

    /// <summary>Base URL of an OpenAI-compatible API (for example http://127.0.0.1:11434/v1); empty means the offline embedder.</summary>
    public string? Endpoint { get; set; }

    /// <summary>API key for the endpoint (may be empty for local servers).</summary>
    public string? ApiKey { get; set; }

    public string Model { get; set; } = "text-embedding-3-small";

    /// <summary>Requested vector length (0: the model's own).</summary>
    public int Dimensions { get; set; }

    /// <summary>Hashed part of the offline embedder's vectors (one more dimension per lexicon concept is added).</summary>
    public int OfflineHashedDimensions { get; set; } = 256;
}
