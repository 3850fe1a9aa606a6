namespace ScriptPlatform.Intent.Parsing;

/// <summary>
/// The seam for a model's classification of an utterance the deterministic parser found ambiguous
/// (issue 14: through the Generation service's model access). No implementation is registered yet:
/// until one is, an ambiguous utterance gets a clarifying question. An implementation returns null
/// when the model is not confident either.
/// </summary>
public interface IIntentClassifier
{
    /// <summary>Classifies <paramref name="utterance"/>; <paramref name="parsed"/> is the parser's CLARIFY result.</summary>
    Task<ParsedIntent?> ClassifyAsync(string utterance, ParsedIntent parsed, CancellationToken cancellationToken);
}
