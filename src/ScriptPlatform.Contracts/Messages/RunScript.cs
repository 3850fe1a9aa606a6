namespace ScriptPlatform.Contracts.Messages;

/// <summary>
/// Command: run one job in a sandbox. The Executor sends one per job of a batch to the competing
/// workers; consumers are idempotent on <see cref="ExecutionId"/> (a redelivery never records twice).
/// Exactly one of a registry reference (<see cref="ScriptName"/> + <see cref="Version"/> +
/// <see cref="ContentHash"/>, resolved at submit time so every job of a batch runs the same content)
/// or <see cref="InlineContent"/> identifies what to run.
/// </summary>
/// <param name="ExecutionId">The execution this job records into; also the idempotency key.</param>
/// <param name="BatchId">The batch the job belongs to; null for a queued single run.</param>
/// <param name="BatchIndex">Position of the job in its batch (0-based).</param>
/// <param name="ScriptName">Registry script name, or the label of inline content ("inline").</param>
/// <param name="Version">Resolved exact version; null for inline content.</param>
/// <param name="ContentHash">SHA-256 (lower-case hex) of the content the worker must run.</param>
/// <param name="InlineContent">The Python source when the job does not come from the Registry.</param>
/// <param name="ParamsJson">The params object as JSON text.</param>
/// <param name="Limits">Caller limits; null means the runtime profile's defaults.</param>
/// <param name="Caller">Who asked for the run.</param>
/// <param name="BudgetUsd">Remaining budget of the run or batch; null when there is none.</param>
/// <param name="EnqueuedAt">When the command was sent.</param>
public sealed record RunScript(
    Guid ExecutionId,
    Guid? BatchId,
    int BatchIndex,
    string ScriptName,
    string? Version,
    string ContentHash,
    string? InlineContent,
    string ParamsJson,
    RunLimits? Limits,
    string? Caller,
    double? BudgetUsd,
    DateTimeOffset EnqueuedAt);

/// <summary>
/// Sandbox limits carried by <see cref="RunScript"/>; each null takes the runtime profile's default,
/// and every value is capped by the operator's maxima (same meaning as the proto <see cref="Common.V1.Limits"/>).
/// </summary>
/// <param name="Timeout">Wall-clock timeout of the run.</param>
/// <param name="MemoryBytes">Address-space limit.</param>
/// <param name="MaxProcesses">Process/thread limit.</param>
/// <param name="MaxOutputBytes">Cap on captured stdout + stderr.</param>
/// <param name="AllowNetwork">
/// Network access: granted only if declared by the script and allowed by policy; false withholds it
/// even then; null lets the script's declaration decide. (Not called Network: messages from before
/// this field carried a Network = false that meant "not asked" and must not withhold anything.)
/// </param>
/// <param name="TmpBytes">Size of the writable scratch /tmp.</param>
public sealed record RunLimits(
    TimeSpan? Timeout = null,
    long? MemoryBytes = null,
    int? MaxProcesses = null,
    long? MaxOutputBytes = null,
    bool? AllowNetwork = null,
    long? TmpBytes = null);
