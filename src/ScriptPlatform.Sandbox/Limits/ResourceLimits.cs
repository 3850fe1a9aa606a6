namespace ScriptPlatform.Sandbox.Limits;

/// <summary>
/// The limits one job runs under. Used for runtime profiles, for the operator's maxima
/// (configuration <c>ScriptPlatform:Sandbox:Maxima</c>) and as the effective limits of a result.
/// </summary>
public sealed record ResourceLimits
{
    /// <summary>Supervisor's wall-clock kill, for the whole process tree.</summary>
    public double WallClockSeconds { get; init; } = 30;

    /// <summary>RLIMIT_CPU of the job process (per process, hence the wall clock too).</summary>
    public int CpuSeconds { get; init; } = 30;

    /// <summary>Address space per process (RLIMIT_AS) or the container's memory limit.</summary>
    public int MemoryMb { get; init; } = 512;

    /// <summary>Processes of the slot's uid (RLIMIT_NPROC) or the container's pids limit.</summary>
    public int Processes { get; init; } = 64;

    /// <summary>Size of the writable /tmp.</summary>
    public int TmpfsMb { get; init; } = 16;

    /// <summary>Combined stdout + stderr the job may write before it is killed.</summary>
    public int OutputKb { get; init; } = 1024;

    /// <summary>RLIMIT_NOFILE.</summary>
    public int OpenFiles { get; init; } = 256;

    /// <summary>Largest file the job may write (RLIMIT_FSIZE).</summary>
    public int FileSizeMb { get; init; } = 16;
}

/// <summary>Limits a caller asks for; unset values keep the profile's (all are capped by the operator maxima).</summary>
public sealed record LimitOverrides
{
    public double? WallClockSeconds { get; init; }

    public int? CpuSeconds { get; init; }

    public int? MemoryMb { get; init; }

    public int? Processes { get; init; }

    public int? TmpfsMb { get; init; }

    public int? OutputKb { get; init; }

    public int? OpenFiles { get; init; }

    public int? FileSizeMb { get; init; }

    /// <summary>
    /// false withholds network from a script that declares it; null or true leave it to the script's
    /// declaration and the operator's policy (a caller can narrow access, never widen it).
    /// </summary>
    public bool? Network { get; init; }
}
