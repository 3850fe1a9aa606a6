using ScriptPlatform.Intent.Domain;

namespace ScriptPlatform.Intent.Parsing;

/// <summary>
/// A model's classification of an utterance the deterministic parser found ambiguous (issue 14: through the
/// Generation service's model access, <see cref="GenerationClassifier"/>). It is asked only for the parser's
/// CLARIFY results, and returns null whenever the model cannot answer or is not confident: the user then gets the
/// parser's clarifying question. What it returns goes through the same planning and confirmation as a parsed request.
/// </summary>
public interface IIntentClassifier
{
    /// <summary>Classifies <paramref name="utterance"/>; <paramref name="parsed"/> is the parser's CLARIFY result.</summary>
    /// <param name="caller">Whose request it is: the downstream call carries the caller's key, deadline and cancellation.</param>
    Task<ParsedIntent?> ClassifyAsync(string utterance, ParsedIntent parsed, CallerIdentity caller);
}
