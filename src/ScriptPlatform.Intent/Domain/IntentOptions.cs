namespace ScriptPlatform.Intent.Domain;

/// <summary>Settings: <c>ScriptPlatform:Intent</c>.</summary>
public sealed class IntentOptions
{
    public const string Section = "ScriptPlatform:Intent";

    /// <summary>How long a card waits for its "yes" (default 10 minutes).</summary>
    public TimeSpan ConfirmationExpiry { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Utterances longer than this many UTF-8 bytes are INVALID_ARGUMENT (8 KiB).</summary>
    public int MaxUtteranceBytes { get; set; } = 8 * 1024;

    /// <summary>Files an utterance may come with (16): a request names one or two, never thousands.</summary>
    public int MaxAttachments { get; set; } = 16;

    /// <summary>"Did you mean" candidates offered for an unknown name.</summary>
    public int Suggestions { get; set; } = 3;

    /// <summary>Search hits listed in an answer.</summary>
    public int SearchHits { get; set; } = 5;

    /// <summary>The least confidence a model's classification of an ambiguous request needs to be used (else: a question).</summary>
    public double MinClassifierConfidence { get; set; } = 0.6;

    /// <summary>How long Intent waits for the model's classification before asking the user instead.</summary>
    public TimeSpan ClassifierTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
