using System.Security.Cryptography;
using System.Text;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Supervision;

namespace ScriptPlatform.Sandbox.Warm;

/// <summary>
/// A harness that has imported one script version and stays up in its slot's sandbox; each job is a
/// fresh fork of it with a fresh scratch directory, and the harness wipes /tmp and kills every
/// leftover process between jobs. Limits are fixed when the sandbox starts, so they are part of the key.
/// </summary>
internal sealed class WarmWorker(HarnessSession session, string key) : IAsyncDisposable
{
    private long _nextJobId;

    public string Key { get; } = key;

    public HarnessSession Session { get; } = session;

    public long NextJobId() => Interlocked.Increment(ref _nextJobId);

    /// <summary>Same script bytes, sandbox limits, network and partition → the same warm worker can serve it.</summary>
    public static string KeyFor(SandboxJob job, ResourceLimits limits, bool network)
    {
        var sandboxLimits = limits with { WallClockSeconds = 0, CpuSeconds = 0 }; // these are set per job
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', job.Source, sandboxLimits, network, job.WarmPartition)));
        return Convert.ToHexStringLower(hash);
    }

    public ValueTask DisposeAsync() => Session.DisposeAsync();
}
