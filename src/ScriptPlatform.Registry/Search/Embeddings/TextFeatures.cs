namespace ScriptPlatform.Registry.Search.Embeddings;

/// <summary>Tokenising and light stemming shared by the offline embedder and its lexicon.</summary>
internal static class TextFeatures
{
    /// <summary>Function words that carry no meaning for retrieval.</summary>
    public static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "by", "from", "at", "as", "into", "onto",
        "is", "are", "be", "been", "being", "was", "were", "it", "its", "this", "that", "these", "those", "there", "their",
        "i", "me", "my", "we", "our", "you", "your", "he", "she", "they", "them", "his", "her",
        "do", "does", "did", "doing", "can", "could", "should", "would", "will", "shall", "may", "might", "must",
        "have", "has", "had", "not", "no", "so", "if", "then", "than", "too", "very", "just", "also", "only",
        "some", "any", "all", "each", "every", "which", "what", "who", "whom", "whose", "when", "where", "why", "how",
        "about", "over", "under", "up", "down", "out", "off", "via", "per", "like", "such", "own", "same", "other",
        "something", "anything", "thing", "things", "want", "need", "please", "let", "lets", "give", "takes", "take",
        "e", "g", "eg", "ie", "etc", "one", "two", "way", "ways",
    };

    /// <summary>Words common to nearly every description here: kept, but with little weight.</summary>
    public static readonly HashSet<string> WeakWords = new(StringComparer.Ordinal)
    {
        "script", "python", "tool", "function", "program", "code", "given", "use", "using", "input", "return", "result",
        "value", "simple", "basic", "small", "list", "based", "provided", "specified", "them", "into", "new", "data",
    };

    /// <summary>Lower-case ASCII-folded words; snake_case and camelCase are split.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        char previous = ' ';
        foreach (var raw in text)
        {
            if (char.IsLetterOrDigit(raw))
            {
                // camelCase boundary: "parseCsv" -> "parse", "csv".
                if (char.IsUpper(raw) && char.IsLower(previous) && current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }

                current.Append(char.ToLowerInvariant(raw));
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }

            previous = raw;
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>
    /// A deliberately light English stemmer: plurals, -ing, -ed, -ly, a final silent 'e', and British
    /// -ise spellings folded into -ize ("summarising" and "summarized" both become "summariz").
    /// </summary>
    public static string Stem(string word)
    {
        var stem = StripSuffix(word);
        if (stem.Length > 4 && stem[^1] == 'e' && stem[^2] != 'e')
        {
            stem = stem[..^1];
        }

        if (stem.Length > 5 && stem.EndsWith("is", StringComparison.Ordinal))
        {
            stem = stem[..^1] + "z";
        }

        return stem;
    }

    private static string StripSuffix(string word)
    {
        if (word.Length <= 3 || word.Any(char.IsDigit))
        {
            return word;
        }

        if (word.EndsWith("ies", StringComparison.Ordinal) && word.Length > 4)
        {
            return word[..^3] + "y";
        }

        if (word.EndsWith("sses", StringComparison.Ordinal))
        {
            return word[..^2];
        }

        if (word.EndsWith("ing", StringComparison.Ordinal) && word.Length > 5)
        {
            return Undouble(word[..^3]);
        }

        if (word.EndsWith("ed", StringComparison.Ordinal) && word.Length > 4 && !word.EndsWith("eed", StringComparison.Ordinal))
        {
            return Undouble(word[..^2]);
        }

        if (word.EndsWith("ly", StringComparison.Ordinal) && word.Length > 5)
        {
            return word[..^2];
        }

        if (word.EndsWith("es", StringComparison.Ordinal) && word.Length > 4 && (word.EndsWith("xes", StringComparison.Ordinal)
            || word.EndsWith("ches", StringComparison.Ordinal) || word.EndsWith("shes", StringComparison.Ordinal) || word.EndsWith("zes", StringComparison.Ordinal)))
        {
            return word[..^2];
        }

        if (word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) && !word.EndsWith("us", StringComparison.Ordinal) && !word.EndsWith("is", StringComparison.Ordinal))
        {
            return word[..^1];
        }

        return word;
    }

    private static string Undouble(string stem) =>
        stem.Length > 3 && stem[^1] == stem[^2] && stem[^1] is not ('l' or 's' or 'z') ? stem[..^1] : stem;
}
