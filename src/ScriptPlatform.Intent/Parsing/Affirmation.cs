namespace ScriptPlatform.Intent.Parsing;

/// <summary>
/// The seed's confirmation rule: "yes", "y" or "sure" (any case, trailing punctuation allowed)
/// confirms; anything else cancels. Nothing longer counts as a yes, so "yes, and also delete
/// everything" can never smuggle a second action past the card.
/// </summary>
public static class Affirmation
{
    private static readonly HashSet<string> Yes = new(StringComparer.OrdinalIgnoreCase) { "yes", "y", "sure" };

    private static readonly HashSet<string> AnswerWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "yes", "y", "sure", "no", "n", "nope", "nah", "cancel", "stop", "abort", "don't", "dont", "never mind", "nevermind", "yeah", "yep", "ok", "okay",
    };

    /// <summary>True for a plain yes: the whole message, trimmed of spaces and trailing punctuation.</summary>
    public static bool IsYes(string text) => Yes.Contains(Core(text));

    /// <summary>
    /// True when the message is an answer to a card rather than a new request: a yes/no word alone,
    /// or one followed by more ("yes, and also ...", "no thanks").
    /// </summary>
    public static bool IsAnswer(string text)
    {
        var core = Core(text);
        if (AnswerWords.Contains(core))
        {
            return true;
        }

        var first = core.Split([' ', ',', '.', '!', ';', ':'], 2, StringSplitOptions.RemoveEmptyEntries);
        return first.Length > 0 && AnswerWords.Contains(first[0]);
    }

    /// <summary>True when the message starts with a yes but says more: an attempt to add to what was confirmed.</summary>
    public static bool IsYesWithMore(string text)
    {
        var core = Core(text);
        if (Yes.Contains(core))
        {
            return false;
        }

        var first = core.Split([' ', ',', '.', '!', ';', ':'], 2, StringSplitOptions.RemoveEmptyEntries);
        return first.Length > 0 && (Yes.Contains(first[0]) || first[0] is "yeah" or "yep" or "ok" or "okay");
    }

    private static string Core(string text) => text.Trim().TrimEnd('.', '!', '?', ',', ';', ':', '…', ' ').Trim();
}
