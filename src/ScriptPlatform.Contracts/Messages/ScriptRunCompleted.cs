using ScriptPlatform.Contracts.Common.V1;

namespace ScriptPlatform.Contracts.Messages;

/// <summary>
/// Event: an execution reached a terminal status. Published once per execution by the Executor;
/// the Registry consumes it to update the script's stats idempotently on <see cref="ExecutionId"/>.
/// </summary>
/// <param name="ExecutionId">The execution (the consumer's idempotency key).</param>
/// <param name="BatchId">Its batch, or null for a single run.</param>
/// <param name="ScriptName">The script's name ("inline" or the given label for inline content).</param>
/// <param name="Version">The exact version that ran; null for inline content.</param>
/// <param name="ContentHash">SHA-256 of the content that ran.</param>
/// <param name="Status">Terminal status (SUCCESS, ERROR, TIMEOUT, KILLED, CANCELLED or INVALID).</param>
/// <param name="Duration">Wall time of the run in the sandbox.</param>
/// <param name="CostUsd">Cost of the run in USD.</param>
/// <param name="RowsProcessed">Rows the script reported as processed, if it did.</param>
/// <param name="Caller">Who asked for the run.</param>
/// <param name="FinishedAt">When the run finished.</param>
public sealed record ScriptRunCompleted(
    Guid ExecutionId,
    Guid? BatchId,
    string ScriptName,
    string? Version,
    string ContentHash,
    ExecutionStatus Status,
    TimeSpan Duration,
    double CostUsd,
    long? RowsProcessed,
    string? Caller,
    DateTimeOffset FinishedAt)
{
    /// <summary>True when the script came from the Registry (only those have stats to update).</summary>
    public bool IsRegistryScript => Version is not null;
}
