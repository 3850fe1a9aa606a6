using Microsoft.Extensions.AI;
using ScriptPlatform.Embeddings;

namespace ScriptPlatform.Registry.Search;

/// <summary>The embedding generator and the vector store together: what the store calls on writes and search calls on reads.</summary>
/// <param name="generator">Embeds queries, which a caller waits on.</param>
/// <param name="documents">Embeds scripts in batches off the request path (the same model, at a low priority; default: <paramref name="generator"/>).</param>
public sealed class SemanticIndex(IEmbeddingGenerator<string, Embedding<float>> generator, EmbeddingModelInfo model, IVectorStore store, IEmbeddingGenerator<string, Embedding<float>>? documents = null)
{
    /// <summary>
    /// Names what a stored vector was made from; part of <see cref="ModelId"/>, so changing the
    /// embedded text re-embeds every script at the next start just as a new model does.
    /// </summary>
    public const string TextRecipe = "name+description+summary";

    public IEmbeddingGenerator<string, Embedding<float>> Generator { get; } = generator;

    public IVectorStore Store { get; } = store;

    public int Dimensions => model.Dimensions;

    /// <summary>Stored with every vector: a change of model or of <see cref="TextRecipe"/> re-embeds instead of comparing vectors from different spaces.</summary>
    public string ModelId { get; } = $"{model.ModelId}|{TextRecipe}";

    /// <summary>
    /// What is embedded for a script: its name read as words (underscores as spaces, without the
    /// generated number), its description and its summary.
    /// </summary>
    public static string TextOf(string name, string description, string summary)
    {
        var words = System.Text.RegularExpressions.Regex.Replace(name, "_[0-9]+\\z", "").Replace('_', ' ').Trim();
        return string.Join(". ", new[] { words, description.Trim().TrimEnd('.'), summary.Trim() }.Where(p => p.Length > 0));
    }

    public async Task<float[]> EmbedQueryAsync(string query, CancellationToken cancellationToken) =>
        Normalize((await Generator.GenerateVectorAsync(query, cancellationToken: cancellationToken)).ToArray());

    public Task<float[]> EmbedScriptAsync(string name, string description, string summary, CancellationToken cancellationToken) =>
        EmbedQueryAsync(TextOf(name, description, summary), cancellationToken);

    /// <summary>Unit-length vectors, one per text, in order (batched by the generator).</summary>
    public async Task<float[][]> EmbedManyAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var embeddings = await (documents ?? Generator).GenerateAsync(texts, cancellationToken: cancellationToken);
        if (embeddings.Count != texts.Count)
        {
            throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} vectors for {texts.Count} texts.");
        }

        return embeddings.Select(e => Normalize(e.Vector.ToArray())).ToArray();
    }

    /// <summary>Scales a vector to unit length in place (a zero vector stays zero); remote endpoints need not normalise.</summary>
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
