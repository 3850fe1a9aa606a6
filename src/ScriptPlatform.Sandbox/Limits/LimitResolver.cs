using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Sandbox.Limits;

/// <summary>
/// Effective limits = runtime profile, then the script's declared timeout, then the caller's
/// overrides, each value capped by the operator maxima. Nonsense (non-positive or absurd values)
/// is rejected instead of capped so that a typo does not silently become a different limit.
/// </summary>
public static class LimitResolver
{
    /// <summary>Timeouts beyond this are mistakes, not requests (a day).</summary>
    public const double AbsurdTimeoutSeconds = 86_400;

    /// <exception cref="ArgumentException">A declared or requested limit is not positive or is absurd.</exception>
    public static ResourceLimits Resolve(RuntimeProfile profile, ScriptMetadata metadata, LimitOverrides? caller, ResourceLimits maxima)
    {
        var limits = profile.Defaults;
        if (metadata.TimeoutSeconds is { } declared)
        {
            limits = limits with { WallClockSeconds = CheckTimeout(declared, "the script's declared timeout") };
        }

        if (caller is not null)
        {
            limits = new ResourceLimits
            {
                WallClockSeconds = caller.WallClockSeconds is { } t ? CheckTimeout(t, "the requested timeout") : limits.WallClockSeconds,
                CpuSeconds = Positive(caller.CpuSeconds, nameof(caller.CpuSeconds)) ?? limits.CpuSeconds,
                MemoryMb = Positive(caller.MemoryMb, nameof(caller.MemoryMb)) ?? limits.MemoryMb,
                Processes = Positive(caller.Processes, nameof(caller.Processes)) ?? limits.Processes,
                TmpfsMb = Positive(caller.TmpfsMb, nameof(caller.TmpfsMb)) ?? limits.TmpfsMb,
                OutputKb = Positive(caller.OutputKb, nameof(caller.OutputKb)) ?? limits.OutputKb,
                OpenFiles = Positive(caller.OpenFiles, nameof(caller.OpenFiles)) ?? limits.OpenFiles,
                FileSizeMb = Positive(caller.FileSizeMb, nameof(caller.FileSizeMb)) ?? limits.FileSizeMb,
            };
        }

        var wall = Math.Min(limits.WallClockSeconds, maxima.WallClockSeconds);
        return new ResourceLimits
        {
            WallClockSeconds = wall,
            // CPU beyond the wall clock can never be used; keeping it at most that makes SIGXCPU meaningful.
            CpuSeconds = Math.Min(Math.Min(limits.CpuSeconds, maxima.CpuSeconds), (int)Math.Ceiling(wall)),
            MemoryMb = Math.Min(limits.MemoryMb, maxima.MemoryMb),
            Processes = Math.Min(limits.Processes, maxima.Processes),
            TmpfsMb = Math.Min(limits.TmpfsMb, maxima.TmpfsMb),
            OutputKb = Math.Min(limits.OutputKb, maxima.OutputKb),
            OpenFiles = Math.Min(limits.OpenFiles, maxima.OpenFiles),
            FileSizeMb = Math.Min(limits.FileSizeMb, maxima.FileSizeMb),
        };
    }

    private static double CheckTimeout(double seconds, string what) =>
        double.IsFinite(seconds) && seconds > 0 && seconds <= AbsurdTimeoutSeconds
            ? seconds
            : throw new ArgumentException($"{what} must be between 0 and {AbsurdTimeoutSeconds:0} seconds, not {seconds}");

    private static int? Positive(int? value, string name) =>
        value is null or > 0 ? value : throw new ArgumentException($"limit {name} must be positive, not {value}");
}
