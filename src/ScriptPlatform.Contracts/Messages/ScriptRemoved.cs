namespace ScriptPlatform.Contracts.Messages;

/// <summary>
/// Event: the Registry deprecated a script, deleted one of its versions, or deleted it entirely.
/// Lets workers drop warm interpreters and caches of content that is gone.
/// </summary>
/// <param name="ScriptName">The script.</param>
/// <param name="Version">The deleted version; null when the whole script was deprecated or deleted.</param>
/// <param name="Deprecated">True for a deprecation (content stays loadable).</param>
/// <param name="Reason">Why, as given by the caller.</param>
/// <param name="RemovedBy">The principal whose key removed it.</param>
/// <param name="RemovedAt">When.</param>
public sealed record ScriptRemoved(
    string ScriptName,
    string? Version,
    bool Deprecated,
    string? Reason,
    string RemovedBy,
    DateTimeOffset RemovedAt);
