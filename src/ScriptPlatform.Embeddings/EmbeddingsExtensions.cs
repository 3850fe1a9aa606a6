using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;

namespace ScriptPlatform.Embeddings;

/// <summary>Registers the platform's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.</summary>
public static class EmbeddingsExtensions
{
    /// <summary>The service key of the generator for work nobody waits on (see <see cref="BackgroundEmbeddingGenerator"/>).</summary>
    public const string BackgroundKey = "background";

    /// <summary>all-MiniLM-L6-v2 in process; with default options every host of the process shares one loaded model.</summary>
    public static IServiceCollection AddMiniLmEmbeddings(this IServiceCollection services, MiniLmOptions? options = null) =>
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(_ =>
            options is null || (options.ModelDirectory is null && options.IntraOpThreads == 0) ? MiniLmEmbeddingGenerator.Shared : new MiniLmEmbeddingGenerator(options));

    /// <summary>
    /// The generator named by configuration (<see cref="EmbeddingOptions"/>): an OpenAI-compatible
    /// endpoint when <c>Endpoint</c> is set, otherwise all-MiniLM-L6-v2 in process.
    /// </summary>
    public static IServiceCollection AddEmbeddings(this IServiceCollection services, IConfiguration section)
    {
        var options = section.Get<EmbeddingOptions>() ?? new EmbeddingOptions();
        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            // Background work gets its own single-threaded session (~90 MB more, made only when a host asks for it, once per process), so
            // the whole model run happens on the low-priority threads.
            services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(BackgroundKey, (_, _) => new BackgroundEmbeddingGenerator(
                options.MiniLm?.ModelDirectory is null
                    ? MiniLmEmbeddingGenerator.SharedSingleThreaded
                    : new MiniLmEmbeddingGenerator(new MiniLmOptions { ModelDirectory = options.MiniLm.ModelDirectory, IntraOpThreads = 1 })));
            return services.AddMiniLmEmbeddings(options.MiniLm);
        }

        // A remote endpoint costs this machine no CPU to speak of: background work uses it as it is.
        services.AddKeyedSingleton(BackgroundKey, (sp, _) => sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        return services.AddSingleton(_ => CreateOpenAiGenerator(options));
    }

    /// <summary>Microsoft.Extensions.AI's generator over an OpenAI-compatible <c>/v1/embeddings</c> endpoint (OpenAI, vLLM, Ollama, LM Studio...).</summary>
    public static IEmbeddingGenerator<string, Embedding<float>> CreateOpenAiGenerator(EmbeddingOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Endpoint);
        var client = new OpenAIClient(
            new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "unused" : options.ApiKey),
            new OpenAIClientOptions { Endpoint = new Uri(options.Endpoint) });
        return client.GetEmbeddingClient(options.Model).AsIEmbeddingGenerator(options.Dimensions > 0 ? options.Dimensions : null);
    }

    /// <summary>
    /// The generator's model id and vector length, from its metadata; when the metadata does not say
    /// (an endpoint without configured dimensions) one probe text is embedded.
    /// </summary>
    public static async Task<EmbeddingModelInfo> DescribeAsync(this IEmbeddingGenerator<string, Embedding<float>> generator, CancellationToken cancellationToken = default)
    {
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        var model = metadata?.DefaultModelId ?? "unknown";
        var dimensions = metadata?.DefaultModelDimensions ?? 0;
        if (dimensions <= 0)
        {
            dimensions = (await generator.GenerateVectorAsync("dimension probe", cancellationToken: cancellationToken).ConfigureAwait(false)).Length;
        }

        var provider = generator is MiniLmEmbeddingGenerator ? "onnx" : metadata?.ProviderName ?? "remote";
        return new EmbeddingModelInfo($"{provider}:{model}:{dimensions}", dimensions);
    }
}

/// <summary>What identifies a vector space: vectors with different ids must never be compared.</summary>
public sealed record EmbeddingModelInfo(string ModelId, int Dimensions);

/// <summary>Embedding settings of a service (for example <c>ScriptPlatform:Registry:Embeddings</c>).</summary>
public sealed class EmbeddingOptions
{
    /// <summary>Base URL of an OpenAI-compatible API (for example http://127.0.0.1:11434/v1); empty means all-MiniLM-L6-v2 in process.</summary>
    public string? Endpoint { get; set; }

    /// <summary>API key for the endpoint (may be empty for local servers).</summary>
    public string? ApiKey { get; set; }

    public string Model { get; set; } = "text-embedding-3-small";

    /// <summary>Requested vector length (0: the model's own).</summary>
    public int Dimensions { get; set; }

    /// <summary>The in-process model's settings.</summary>
    public MiniLmOptions? MiniLm { get; set; }
}
