namespace ScriptPlatform.Contracts.Messages;

/// <summary>
/// Event: a caller cancelled a job or a whole batch. Published (fan-out) so that every worker,
/// on any machine, kills a matching running job; queued jobs are skipped when consumed.
/// Exactly one of <see cref="ExecutionId"/> and <see cref="BatchId"/> is set.
/// </summary>
/// <param name="ExecutionId">The job to cancel.</param>
/// <param name="BatchId">The batch whose unfinished jobs to cancel.</param>
/// <param name="Reason">Why (recorded on the cancelled executions).</param>
/// <param name="RequestedAt">When the cancel was asked for.</param>
public sealed record ExecutionCancellationRequested(
    Guid? ExecutionId,
    Guid? BatchId,
    string? Reason,
    DateTimeOffset RequestedAt);
