namespace ScriptPlatform.Sandbox;

/// <summary>Runs untrusted scripts in isolation. Shared by the Executor's workers and the CLI's local runs.</summary>
public interface ISandbox
{
    /// <summary>
    /// Runs one job. Waits for a free slot first. Never throws for anything the script or its input
    /// does: every outcome is a <see cref="SandboxResult"/> status. Cancelling <paramref name="ct"/>
    /// kills the job's whole process tree and yields <see cref="SandboxStatus.Cancelled"/>.
    /// </summary>
    Task<SandboxResult> RunAsync(SandboxJob job, CancellationToken ct = default);
}
