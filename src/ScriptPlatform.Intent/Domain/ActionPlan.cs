using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Intent.Domain;

/// <summary>
/// What a "yes" will do, fixed when the card is shown: the exact version and content hash of a run,
/// the drafted content of a generate or update. Confirming never re-interprets the request, so what
/// runs is what the card said.
/// </summary>
public sealed record ActionPlan(
    ActionKind Kind,
    string Name,
    string? Version = null,
    string? ContentHash = null,
    string? ParamsJson = null,
    string? Content = null,
    string? Summary = null,
    string? Changelog = null,
    string? Category = null,
    string? Description = null,
    string? AgentId = null,
    IReadOnlyList<string>? Rows = null,
    string? File = null,
    RemoveMode RemoveMode = RemoveMode.Unspecified);

/// <summary>The stored lifecycle of a pending action (ConfirmationState, plus a transient "executing").</summary>
public enum PendingState
{
    Pending = 1,
    Completed = 2,
    Failed = 3,
    Declined = 4,
    Expired = 5,
    /// <summary>Claimed by a "yes" on some replica and being carried out; no other answer can take it.</summary>
    Executing = 6,
}

/// <summary>A pending action as stored.</summary>
public sealed record PendingAction(
    Guid Id, string SessionId, string CallerHash, string AgentId, ActionKind Kind, PendingState State, ProposedAction Proposal, ActionPlan Plan,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt)
{
    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;
}
