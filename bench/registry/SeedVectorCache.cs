using System.Security.Cryptography;
using System.Text;
using ScriptPlatform.Registry.Search;

namespace ScriptPlatform.Registry.Bench;

/// <summary>
/// The synthetic corpus's vectors, kept between runs: embedding 100,000 texts takes about eight
/// minutes on two cores and is not what the bench measures (the seed goes in by COPY, as a restore
/// would). Keyed by the model id and every text, so a change of either embeds again.
/// </summary>
public static class SeedVectorCache
{
    public static string Directory { get; } = Path.Combine(Path.GetTempPath(), "scriptplatform-bench-vectors");

    /// <summary>The vectors of <paramref name="texts"/> (scripts) under the current recipe: from the cache, else embedded and cached.</summary>
    public static async Task<float[][]> LoadOrEmbedAsync(SemanticIndex semantic, IReadOnlyList<ScriptText> texts)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var vectors = TryLoad(semantic.ModelId, texts);
        if (vectors is not null)
        {
            Console.WriteLine($"the {texts.Count:N0} synthetic scripts' vectors came from {Directory} (made by an earlier run with the same model and texts)");
            return vectors;
        }

        // The model in this process, in batches, as the registry's start-up backfill would do it.
        vectors = await semantic.EmbedScriptsAsync(texts, CancellationToken.None);
        Console.WriteLine($"embedded {texts.Count:N0} synthetic scripts in {clock.Elapsed.TotalSeconds:F1} s ({texts.Count / clock.Elapsed.TotalSeconds:F0}/s)");
        Save(semantic.ModelId, texts, vectors);
        return vectors;
    }

    public static float[][]? TryLoad(string modelId, IReadOnlyList<ScriptText> texts)
    {
        var path = PathFor(modelId, texts);
        if (!File.Exists(path))
        {
            return null;
        }

        using var reader = new BinaryReader(File.OpenRead(path));
        var (count, dimensions) = (reader.ReadInt32(), reader.ReadInt32());
        if (count != texts.Count)
        {
            return null;
        }

        var vectors = new float[count][];
        for (var i = 0; i < count; i++)
        {
            vectors[i] = new float[dimensions];
            reader.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vectors[i].AsSpan()));
        }

        return vectors;
    }

    public static void Save(string modelId, IReadOnlyList<ScriptText> texts, float[][] vectors)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathFor(modelId, texts);
        var partial = path + ".partial";
        using (var writer = new BinaryWriter(File.Create(partial)))
        {
            writer.Write(vectors.Length);
            writer.Write(vectors.Length == 0 ? 0 : vectors[0].Length);
            foreach (var v in vectors)
            {
                writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()));
            }
        }

        File.Move(partial, path, overwrite: true);
    }

    private static string PathFor(string modelId, IReadOnlyList<ScriptText> texts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(modelId + "\n"));
        foreach (var t in texts)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{t.Name}\u001f{t.Description}\u001f{t.Summary}\n"));
        }

        return Path.Combine(Directory, Convert.ToHexString(hash.GetHashAndReset())[..16] + ".vectors");
    }
}
