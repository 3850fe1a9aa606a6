using System.Text.Json;
using ScriptPlatform.Sandbox.Limits;

namespace ScriptPlatform.Sandbox;

public enum SandboxStatus
{
    /// <summary>execute() returned and its result serialised.</summary>
    Success,

    /// <summary>The script raised (or returned status "error"); see <see cref="SandboxResult.Error"/>.</summary>
    Error,

    /// <summary>The wall-clock limit was reached.</summary>
    Timeout,

    /// <summary>A resource limit was hit; see <see cref="SandboxResult.KillReason"/>.</summary>
    Killed,

    /// <summary>The caller cancelled.</summary>
    Cancelled,

    /// <summary>The job could not run as given: bad params or limits, bad metadata, syntax error,
    /// no entry point, missing dependency, or a result that is not JSON.</summary>
    Invalid,
}

public enum KillReason
{
    Memory,
    Processes,
    Output,
    Cpu,
    FileSize,

    /// <summary>Killed by a signal the sandbox did not send for a known limit.</summary>
    Signal,
}

/// <summary>What the script or the sandbox reported as the failure.</summary>
public sealed record SandboxError(string Type, string Message, string? Traceback = null);

/// <summary>The outcome of one <see cref="SandboxJob"/>.</summary>
public sealed record SandboxResult
{
    public required SandboxStatus Status { get; init; }

    /// <summary>The <c>data</c> the script returned (or its whole return value when it is not in the script format).</summary>
    public JsonElement? Data { get; init; }

    /// <summary>The <c>metadata</c> object the script returned.</summary>
    public JsonElement? Metadata { get; init; }

    /// <summary><c>metadata.rows_processed</c>, when the script reports it.</summary>
    public long? RowsProcessed { get; init; }

    /// <summary>
    /// Cost of the run: <c>metadata.cost</c> when the script reports it, otherwise the declared
    /// <c>cost_per_unit</c> × <c>metadata.units</c> (or <c>rows_processed</c>, or 1 unit).
    /// </summary>
    public decimal? Cost { get; init; }

    public string? CostUnit { get; init; }

    public SandboxError? Error { get; init; }

    public KillReason? KillReason { get; init; }

    /// <summary>The last part of stdout / stderr (capped by <c>TailKb</c>).</summary>
    public string Stdout { get; init; } = "";

    public string Stderr { get; init; } = "";

    /// <summary>Part of the output was dropped from the tails.</summary>
    public bool OutputTruncated { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>A short human-readable account of how the run ended.</summary>
    public string ExitReason { get; init; } = "";

    /// <summary>The limits the job actually ran under (null if it was rejected before).</summary>
    public ResourceLimits? Limits { get; init; }

    /// <summary>The job ran on a warm (pre-started) interpreter.</summary>
    public bool Warm { get; init; }
}
