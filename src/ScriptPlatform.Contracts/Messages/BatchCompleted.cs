namespace ScriptPlatform.Contracts.Messages;

/// <summary>
/// Event: every job of a batch reached a terminal status (or the batch was cancelled). Published
/// once per batch by the Executor, so submitters can wait for a batch without polling.
/// </summary>
/// <param name="BatchId">The batch.</param>
/// <param name="Total">Number of jobs.</param>
/// <param name="Succeeded">Jobs that ended in SUCCESS.</param>
/// <param name="Failed">Jobs that ended in ERROR, TIMEOUT, KILLED or INVALID.</param>
/// <param name="Cancelled">Jobs that ended in CANCELLED.</param>
/// <param name="CostUsd">Total cost of the batch in USD.</param>
/// <param name="Caller">Who submitted it.</param>
/// <param name="FinishedAt">When its last job finished.</param>
public sealed record BatchCompleted(
    Guid BatchId,
    int Total,
    int Succeeded,
    int Failed,
    int Cancelled,
    double CostUsd,
    string? Caller,
    DateTimeOffset FinishedAt);
