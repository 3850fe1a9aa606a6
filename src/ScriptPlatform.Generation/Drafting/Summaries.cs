using System.Text.RegularExpressions;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Generation.Drafting;

/// <summary>One-sentence summaries for search, from a model's reply or from the script's own metadata.</summary>
public static partial class Summaries
{
    public const int DefaultMaxWords = 60;

    /// <summary>The first sentence of a text, whitespace collapsed, quotes and markdown stripped, at most <paramref name="maxWords"/> words.</summary>
    public static string OneSentence(string text, int maxWords = DefaultMaxWords)
    {
        var words = Whitespace().Split(Unwrapped(text.Trim())).Where(w => w.Length > 0).ToList();
        var sentence = new List<string>();
        foreach (var word in words.Take(maxWords))
        {
            sentence.Add(word);
            if (word.EndsWith('.') || word.EndsWith('!') || word.EndsWith('?'))
            {
                break;
            }
        }

        var joined = string.Join(' ', sentence).TrimEnd(',', ';', ':');
        return joined.Length == 0 || joined.EndsWith('.') || joined.EndsWith('!') || joined.EndsWith('?') ? joined : joined + ".";
    }

    /// <summary>Without a model: the declared description, else the docstring's first sentence.</summary>
    public static string FromMetadata(ScriptMetadata metadata, string? name, int maxWords = DefaultMaxWords)
    {
        var text = !string.IsNullOrWhiteSpace(metadata.Description) ? metadata.Description
            : !string.IsNullOrWhiteSpace(metadata.Docstring) ? metadata.Docstring
            : $"Python script {name ?? ""} without a description".Replace("  ", " ", StringComparison.Ordinal);
        return OneSentence(text, maxWords);
    }

    /// <summary>Without the quotes or markdown emphasis a model may wrap its whole answer in.</summary>
    private static string Unwrapped(string text)
    {
        foreach (var wrapper in (string[])["\"", "'", "`", "**", "*"])
        {
            if (text.Length > 2 * wrapper.Length && text.StartsWith(wrapper, StringComparison.Ordinal) && text.EndsWith(wrapper, StringComparison.Ordinal))
            {
                return text[wrapper.Length..^wrapper.Length].Trim();
            }
        }

        return text.TrimStart('#', ' ');
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
