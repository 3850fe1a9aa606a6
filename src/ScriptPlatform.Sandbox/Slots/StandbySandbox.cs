using System.ComponentModel;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Supervision;

namespace ScriptPlatform.Sandbox.Slots;

/// <summary>
/// A cold sandbox started before its job is known: the harness has started and waits for the script, so a job that
/// takes it skips the sandbox's start-up (exec, namespaces, mounts, the interpreter), which otherwise lies on every cold
/// job's path; on a busy host much of it is waiting for the kernel (RCU grace periods when mounts are set up and
/// namespaces freed) while a core sits idle. It is still a fresh sandbox per job: it has run nothing, and it is used once.
/// Limits fixed when a sandbox starts (tmpfs, the slot's cgroups) are its key; only jobs without network use one.
/// </summary>
internal sealed class StandbySandbox : IAsyncDisposable
{
    private readonly Task<HarnessSession> _starting;
    private readonly ILogger _logger;

    /// <summary>Starts the sandbox on the thread pool: starting a process takes milliseconds no job should wait for.</summary>
    public StandbySandbox(Func<HarnessSession> start, string key, ILogger logger)
    {
        Key = key;
        _logger = logger;
        _starting = Task.Run(start);
    }

    public string Key { get; }

    /// <summary>Jobs with the same limits (the per-job wall and CPU clocks aside) can use the same standby sandbox.</summary>
    public static string KeyFor(ResourceLimits limits) => (limits with { WallClockSeconds = 0, CpuSeconds = 0 }).ToString();

    /// <summary>
    /// The sandbox, when it started and still waits for its job; otherwise null, and whatever is left of it is taken down.
    /// A start that failed is logged; the job then starts its own sandbox, which reports the same failure to its caller.
    /// </summary>
    public async Task<HarnessSession?> TakeAsync()
    {
        if (await StartedAsync().ConfigureAwait(false) is not { } session)
        {
            return null;
        }

        if (!session.Gone)
        {
            return session;
        }

        await session.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    /// <summary>The host pid of its outermost process once started (waits for the start); null when the start failed.</summary>
    public int? WaitForProcessId() => StartedAsync().GetAwaiter().GetResult()?.ProcessId;

    public async ValueTask DisposeAsync()
    {
        if (await StartedAsync().ConfigureAwait(false) is { } session)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<HarnessSession?> StartedAsync()
    {
        try
        {
            return await _starting.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or Win32Exception)
        {
            _logger.LogWarning(ex, "A standby sandbox could not be started; the next job starts its own");
            return null;
        }
    }
}
