using Microsoft.Extensions.AI;
using ScriptPlatform.Embeddings;

namespace ScriptPlatform.Registry.Search;

/// <summary>The embedding generator and the vector store together: what the store calls on writes and search calls on reads.</summary>
/// <param name="generator">Embeds queries, which a caller waits on.</param>
/// <param name="documents">Embeds scripts in batches off the request path (the same model, at a low priority; default: <paramref name="generator"/>).</param>
public sealed class SemanticIndex(IEmbeddingGenerator<string, Embedding<float>> generator, EmbeddingModelInfo model, IVectorStore store, IEmbeddingGenerator<string, Embedding<float>>? documents = null)
{
    /// <summary>
    /// Names what a stored vector is made from (<see cref="PartsOf"/> with <see cref="Weights"/>); part of
    /// <see cref="ModelId"/>, so changing either re-embeds every script at the next start just as a new model does.
    /// </summary>
    public static string TextRecipe => $"fields:{Term("name", Weights.Name)}+{Term("description", Weights.Description)}+{Term("summary", Weights.Summary)}";

    /// <summary>
    /// Weights of a script's fields in its vector, chosen on the dev half of the labelled set among 100,000 scripts (best
    /// dev Recall@5, ties to the smaller name weight) and checked on the held-out half (<c>bench/registry/run.sh
    /// --field-sweep</c>: dev 0.921, held-out 0.935, against 0.854 and 0.891 for one text). Embedded as one text, the
    /// fields' words blur into one topic and a script is found by the object it shares with the query ("comments",
    /// "records") rather than by what it does; embedded apart and summed, what the description and the summary each say
    /// counts on its own. The name, a few words that repeat the description's, counts half.
    /// </summary>
    public static FieldWeights Weights { get; } = new(Name: 0.5f, Description: 1f, Summary: 1.5f);

    public IEmbeddingGenerator<string, Embedding<float>> Generator { get; } = generator;

    public IVectorStore Store { get; } = store;

    public int Dimensions => model.Dimensions;

    /// <summary>Stored with every vector: a change of model or of <see cref="TextRecipe"/> re-embeds instead of comparing vectors from different spaces.</summary>
    public string ModelId { get; } = $"{model.ModelId}|{TextRecipe}";

    /// <summary>
    /// What is embedded for a script, each part on its own, with its weight: its name read as words (underscores as
    /// spaces, without the generated number), its description and its summary, in that order. Empty parts are left out.
    /// </summary>
    public static IReadOnlyList<(string Text, float Weight)> PartsOf(ScriptText script, FieldWeights? weights = null)
    {
        var w = weights ?? Weights;
        var words = System.Text.RegularExpressions.Regex.Replace(script.Name, "_[0-9]+\\z", "").Replace('_', ' ').Trim();
        return new[] { (words, w.Name), (script.Description.Trim(), w.Description), (script.Summary.Trim(), w.Summary) }
            .Where(p => p.Item1.Length > 0).ToList();
    }

    private static string Term(string field, float weight) =>
        weight == 1 ? field : FormattableString.Invariant($"{field}*{weight}");

    public async Task<float[]> EmbedQueryAsync(string query, CancellationToken cancellationToken) =>
        Normalize((await Generator.GenerateVectorAsync(query, cancellationToken: cancellationToken)).ToArray());

    /// <summary>
    /// One unit-length vector per script, in order: the weighted sum of its parts' vectors (<see cref="PartsOf"/>), all
    /// parts of all scripts embedded in one call, off the request path (the generator for documents batches them).
    /// </summary>
    public async Task<float[][]> EmbedScriptsAsync(IReadOnlyList<ScriptText> scripts, CancellationToken cancellationToken)
    {
        var parts = scripts.Select(s => PartsOf(s)).ToList();
        var vectors = await EmbedManyAsync(parts.SelectMany(p => p.Select(x => x.Text)).ToList(), cancellationToken);
        var result = new float[scripts.Count][];
        var next = 0;
        for (var i = 0; i < scripts.Count; i++)
        {
            var sum = new float[vectors.Length == 0 ? Dimensions : vectors[0].Length];
            foreach (var (_, weight) in parts[i])
            {
                var part = vectors[next++];
                for (var d = 0; d < sum.Length; d++)
                {
                    sum[d] += weight * part[d];
                }
            }

            result[i] = Normalize(sum);
        }

        return result;
    }

    /// <summary>Unit-length vectors, one per text, in order (batched by the generator for documents).</summary>
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

/// <summary>The fields of a script that its vector is made from.</summary>
public readonly record struct ScriptText(string Name, string Description, string Summary);

/// <summary>How much each field of a script counts in its vector (<see cref="SemanticIndex.PartsOf"/>).</summary>
public readonly record struct FieldWeights(float Name, float Description, float Summary);
