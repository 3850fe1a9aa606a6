using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Sandbox;

/// <summary>One run of one script.</summary>
/// <param name="Source">The script's Python source (its metadata block is parsed unless <see cref="Metadata"/> is given).</param>
public sealed record SandboxJob(string Source)
{
    /// <summary>For logs and tracebacks only.</summary>
    public string ScriptName { get; init; } = "script";

    /// <summary>For logs and for telling warm workers apart.</summary>
    public string? ScriptVersion { get; init; }

    /// <summary>The params passed to <c>execute(params)</c>: a JSON object of at most 1 MiB.</summary>
    public string ParamsJson { get; init; } = "{}";

    /// <summary>Already-parsed metadata (the Registry stores it); parsed from <see cref="Source"/> when null.</summary>
    public ScriptMetadata? Metadata { get; init; }

    /// <summary>The caller's limits, applied over the runtime profile and capped by operator maxima.</summary>
    public LimitOverrides? Limits { get; init; }

    /// <summary>
    /// Reuse a pre-started interpreter that has already imported this exact script version (a fresh
    /// forked child and scratch directory per job). Worth it for many runs of one script.
    /// </summary>
    public bool Warm { get; init; }

    /// <summary>
    /// Warm workers are shared only by jobs with the same partition (e.g. the tenant or caller). A
    /// forked job starts from its worker's memory, where earlier jobs' params may linger in freed
    /// heap; partitioning keeps that within one party. Ignored for cold jobs.
    /// </summary>
    public string WarmPartition { get; init; } = "";

    /// <summary>Called for every complete line the job writes, as it writes it (on a supervisor thread; keep it quick).</summary>
    public Action<OutputLine>? OnOutput { get; init; }
}

public enum OutputStream
{
    Stdout,
    Stderr,
}

/// <summary>One line of the job's output.</summary>
public sealed record OutputLine(OutputStream Stream, string Text);
