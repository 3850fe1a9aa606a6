using System.ClientModel;
using OpenAI;
using OpenAI.Embeddings;

namespace ScriptPlatform.Registry.Search.Embeddings;

/// <summary>Embeddings from any OpenAI-compatible <c>/v1/embeddings</c> endpoint (OpenAI, vLLM, Ollama, LM Studio...).</summary>
public sealed class OpenAiEmbeddingProvider : IEmbeddingProvider
{
    private readonly EmbeddingClient _client;
    private readonly EmbeddingGenerationOptions _options;

    public OpenAiEmbeddingProvider(EmbeddingOptions options, int dimensions)
    {
        ArgumentException.ThrowIfNullOrEmpty(options.Endpoint);
        var client = new OpenAIClient(
            new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "unused" : options.ApiKey),
            new OpenAIClientOptions { Endpoint = new Uri(options.Endpoint) });
        _client = client.GetEmbeddingClient(options.Model);
        _options = options.Dimensions > 0 ? new EmbeddingGenerationOptions { Dimensions = options.Dimensions } : new EmbeddingGenerationOptions();
        Dimensions = dimensions;
        ModelId = $"openai:{options.Model}:{dimensions}";
    }

    public string ModelId { get; }

    public int Dimensions { get; }

    /// <summary>
    /// Asks the endpoint once for the vector length when none is configured, so the index knows its
    /// dimensions before the first script arrives.
    /// </summary>
    public static async Task<OpenAiEmbeddingProvider> CreateAsync(EmbeddingOptions options, CancellationToken cancellationToken = default)
    {
        if (options.Dimensions > 0)
        {
            return new OpenAiEmbeddingProvider(options, options.Dimensions);
        }

        var probe = new OpenAiEmbeddingProvider(options, 0);
        var vectors = await probe.EmbedRawAsync(["dimension probe"], cancellationToken).ConfigureAwait(false);
        return new OpenAiEmbeddingProvider(options, vectors[0].Length);
    }

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var vectors = await EmbedRawAsync(texts, cancellationToken).ConfigureAwait(false);
        foreach (var v in vectors)
        {
            if (Dimensions > 0 && v.Length != Dimensions)
            {
                throw new InvalidOperationException($"The embedding endpoint returned {v.Length} dimensions; {Dimensions} were expected.");
            }

            EmbeddingProviderExtensions.Normalize(v);
        }

        return vectors;
    }

    private async Task<float[][]> EmbedRawAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        // The API rejects empty strings; a blank text embeds as a single space.
        var inputs = texts.Select(t => string.IsNullOrWhiteSpace(t) ? " " : t).ToList();
        var result = await _client.GenerateEmbeddingsAsync(inputs, _options, cancellationToken).ConfigureAwait(false);
        var ordered = result.Value.OrderBy(e => e.Index).Select(e => e.ToFloats().ToArray()).ToArray();
        if (ordered.Length != texts.Count)
        {
            throw new InvalidOperationException($"The embedding endpoint returned {ordered.Length} vectors for {texts.Count} inputs.");
        }

        return ordered;
    }
}
