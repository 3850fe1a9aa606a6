using System.Text.RegularExpressions;

namespace ScriptPlatform.Generation.Drafting;

/// <summary>
/// Category, task and the suggested <c>category_task</c> stem (the Registry appends <c>_NNN</c>): the caller's when
/// given, else the draft's declared category, else the description's first meaningful words.
/// </summary>
public static partial class NameStems
{
    /// <summary>Room for "_NNN" within the Registry's 64-character names.</summary>
    public const int MaxStemLength = 56;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "script", "scripts", "that", "which", "to", "for", "of", "and", "or", "in", "on", "with", "from", "by",
        "me", "my", "please", "create", "make", "write", "generate", "build", "python", "function", "program", "tool", "new",
        "given", "it", "its", "is", "are", "be", "can", "should", "will", "would", "i", "we", "you", "want", "need", "some",
        "this", "into", "as", "at", "all", "each", "every", "return", "returns", "takes", "using", "use", "simple", "small",
    };

    public static (string Category, string Task) Infer(string description, string? category, string? task, string? declaredCategory)
    {
        var words = Words().Matches(description.ToLowerInvariant()).Select(m => m.Value).Where(w => !StopWords.Contains(w) && !char.IsDigit(w[0])).ToList();
        var chosenCategory = category ?? Slug(declaredCategory) ?? words.FirstOrDefault() ?? "general";
        var fromWords = string.Join('_', words.Where(w => w != chosenCategory).Take(1));
        var chosenTask = task ?? (fromWords.Length > 0 ? fromWords : "task");
        return (chosenCategory, chosenTask);
    }

    public static string Stem(string category, string task)
    {
        var stem = $"{category}_{task}";
        return stem.Length <= MaxStemLength ? stem : stem[..MaxStemLength].TrimEnd('_');
    }

    private static string? Slug(string? text)
    {
        var slug = text is null ? "" : string.Join('_', Words().Matches(text.ToLowerInvariant()).Select(m => m.Value));
        return slug.Length > 0 && char.IsAsciiLetterLower(slug[0]) ? slug[..Math.Min(slug.Length, 24)] : null;
    }

    [GeneratedRegex("[a-z0-9]+")]
    private static partial Regex Words();
}
