using ScriptPlatform.Sandbox.Warm;

namespace ScriptPlatform.Sandbox.Slots;

/// <summary>
/// One execution place. Its own host uid makes RLIMIT_NPROC a per-job process limit and
/// lets the supervisor find and kill every process a job left behind, even double-forked ones.
/// </summary>
internal sealed class SandboxSlot(int index, int uid)
{
    public int Index { get; } = index;

    public int Uid { get; } = uid;

    /// <summary>The warm interpreter parked in this slot, if any. Only touched by the slot's current holder.</summary>
    public WarmWorker? Warm { get; set; }

    /// <summary>A cold sandbox started ahead for the next job, if any. Only touched by the slot's current holder.</summary>
    public StandbySandbox? Standby { get; set; }

    public override string ToString() => $"slot {Index} (uid {Uid})";
}
