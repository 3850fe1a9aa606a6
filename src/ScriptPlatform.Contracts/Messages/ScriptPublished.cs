namespace ScriptPlatform.Contracts.Messages;

/// <summary>
/// Event: the Registry stored a new script version (not sent for an idempotent replay). Lets other
/// services refresh caches, warm sandboxes or notify agents.
/// </summary>
/// <param name="ScriptName">The script.</param>
/// <param name="Version">The new version (now the latest).</param>
/// <param name="ContentHash">SHA-256 of its content.</param>
/// <param name="Category">The script's category.</param>
/// <param name="Owner">The owner principal.</param>
/// <param name="IsNewScript">True when this publish created the script.</param>
/// <param name="PublishedBy">The principal whose key published it.</param>
/// <param name="PublishedAt">When it was stored.</param>
public sealed record ScriptPublished(
    string ScriptName,
    string Version,
    string ContentHash,
    string Category,
    string Owner,
    bool IsNewScript,
    string PublishedBy,
    DateTimeOffset PublishedAt);
