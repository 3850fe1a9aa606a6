using System.Diagnostics;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Slots;

namespace ScriptPlatform.Sandbox.Runners;

/// <summary>
/// One isolation runtime. A runner only knows how to start the harness in a sandbox and how to tear
/// a sandbox down; the protocol, limits on output and the wall clock live in the supervisor.
/// </summary>
internal interface ISandboxRunner
{
    /// <summary>One-time host preparation (harness files, filters, image check); the sandbox calls it once.</summary>
    Task PrepareAsync(CancellationToken ct);

    /// <summary>Starts the harness in a fresh sandbox for <paramref name="slot"/>, with stdin, stdout and stderr redirected.</summary>
    /// <param name="instanceName">Unique name of this sandbox instance (container name for OCI).</param>
    Process Start(SandboxSlot slot, ResourceLimits limits, bool network, string instanceName);

    /// <summary>How many of the slot's processes the kernel has killed for memory so far (0 if the runtime cannot tell).</summary>
    long OomKills(SandboxSlot slot);

    /// <summary>Releases host resources of the slot (its cgroups); the slot is empty.</summary>
    void Release(SandboxSlot slot);

    /// <summary>Stops everything the sandbox runs (SIGTERM, grace, SIGKILL) and returns when nothing of it is left.</summary>
    Task TerminateAsync(SandboxSlot slot, string instanceName, CancellationToken ct);
}
