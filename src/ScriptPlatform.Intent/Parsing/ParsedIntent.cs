using ScriptPlatform.Contracts.Intent.V1;

namespace ScriptPlatform.Intent.Parsing;

/// <summary>What an utterance names. Null fields were not mentioned.</summary>
/// <param name="Name">Script name, lower case, without ".py".</param>
/// <param name="Version">Exact version or range.</param>
/// <param name="ParamsJson">Run parameters as a JSON object text.</param>
/// <param name="File">The attachment a batch or publish refers to.</param>
/// <param name="Query">Search words, or the description of a script to generate.</param>
/// <param name="Instruction">What an update should change, in the user's own words and case.</param>
public sealed record IntentEntities(
    string? Name = null,
    string? Version = null,
    string? Category = null,
    string? Task = null,
    string? ParamsJson = null,
    string? File = null,
    string? Query = null,
    string? Instruction = null)
{
    public static readonly IntentEntities None = new();

    public Entities ToProto() => new()
    {
        Name = Name ?? "",
        Version = Version ?? "",
        Category = Category ?? "",
        Task = Task ?? "",
        ParamsJson = ParamsJson ?? "{}",
        File = File ?? "",
        Query = Query ?? "",
        Instruction = Instruction ?? "",
    };
}

/// <summary>The action an utterance asks for and its entities; <paramref name="Question"/> is set for CLARIFY.</summary>
public sealed record ParsedIntent(ActionKind Action, IntentEntities Entities, string? Question = null)
{
    public static ParsedIntent Clarify(string question, IntentEntities? entities = null) =>
        new(ActionKind.Clarify, entities ?? IntentEntities.None, question);

    /// <summary>Actions that create, change, delete or run something: they wait for a "yes".</summary>
    public bool NeedsConfirmation => Action is ActionKind.Generate or ActionKind.Run or ActionKind.Update or ActionKind.Delete
        or ActionKind.Publish or ActionKind.Batch;
}
