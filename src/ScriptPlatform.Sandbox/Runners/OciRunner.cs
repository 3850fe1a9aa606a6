using System.Diagnostics;
using System.Globalization;
using ScriptPlatform.Sandbox.Harness;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Slots;
using ScriptPlatform.Sandbox.Supervision;

namespace ScriptPlatform.Sandbox.Runners;

/// <summary>
/// An OCI container through the podman (or docker) CLI, for container deployments. The image is
/// built offline by scripts/oci-image.sh. Hardening as measured in PLATFORM-FACTS.md: no network,
/// read-only root, sized tmpfs, the slot's uid, no capabilities, no-new-privileges, memory and
/// pids limits, explicit ulimits.
/// </summary>
internal sealed class OciRunner(SandboxOptions options, HarnessFiles files) : ISandboxRunner
{
    public async Task PrepareAsync(CancellationToken ct)
    {
        await files.WriteRunnerAsync(ct).ConfigureAwait(false);
        var (exitCode, output) = await RunCliAsync(["image", "exists", options.Oci.Image], ct).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"OCI image {options.Oci.Image} is missing (build it with scripts/oci-image.sh): {output}");
        }
    }

    public Process Start(SandboxSlot slot, ResourceLimits limits, bool network, string instanceName)
    {
        var start = new ProcessStartInfo(options.Oci.Cli)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var user = slot.Uid.ToString(CultureInfo.InvariantCulture);
        var args = new List<string>();
        if (!string.IsNullOrEmpty(options.Oci.OciRuntime))
        {
            args.AddRange(["--runtime", options.Oci.OciRuntime]);
        }

        args.AddRange([
            "run", "--rm", "-i", "--name", instanceName, "--log-driver", "none", "--hostname", "sandbox",
            "--network", network ? "bridge" : "none",
            "--read-only", "--read-only-tmpfs=false",
            "--tmpfs", $"/tmp:rw,size={limits.TmpfsMb}m,mode=1777", "--tmpfs", "/dev/shm:rw,size=1m,mode=1777",
            "--user", $"{user}:{user}", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "--memory", $"{limits.MemoryMb}m", "--memory-swap", $"{limits.MemoryMb}m",
            "--pids-limit", limits.Processes.ToString(CultureInfo.InvariantCulture),
            "--ulimit", $"nofile={limits.OpenFiles}:{limits.OpenFiles}",
            "--ulimit", $"nproc={limits.Processes}:{limits.Processes}",
            "--ulimit", $"fsize={limits.FileSizeMb * 1048576L}:{limits.FileSizeMb * 1048576L}",
            "--ulimit", "core=0:0",
            "--env", "LANG=C.UTF-8", "--env", "HOME=/tmp", "--workdir", "/tmp",
            "-v", $"{files.RunnerPath}:/sandbox/runner.py:ro",
            options.Oci.Image, "/usr/bin/python3", "-I", "-S", "-B", "/sandbox/runner.py",
        ]);
        args.ForEach(start.ArgumentList.Add);
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {options.Oci.Cli}");
    }

    // podman's own cgroups enforce --memory; with --rm the container's OOM record is gone, and the
    // harness reports MemoryError from its RLIMIT_AS.
    public long OomKills(SandboxSlot slot) => 0;

    public void Release(SandboxSlot slot)
    {
    }

    public async Task TerminateAsync(SandboxSlot slot, string instanceName, CancellationToken ct)
    {
        // The container's processes run as the slot's uid on the host, so the sweep reaches them at
        // once; removing the container then cleans up podman's own state.
        await ProcessSweeper.KillAllAsync(slot.Uid, TimeSpan.FromMilliseconds(options.KillGraceMilliseconds)).ConfigureAwait(false);
        await RunCliAsync(["rm", "--force", "--ignore", "--time", "0", instanceName], ct).ConfigureAwait(false);
    }

    private async Task<(int ExitCode, string Output)> RunCliAsync(IEnumerable<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(options.Oci.Cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!string.IsNullOrEmpty(options.Oci.OciRuntime))
        {
            start.ArgumentList.Add("--runtime");
            start.ArgumentList.Add(options.Oci.OciRuntime);
        }

        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {options.Oci.Cli}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        return (process.ExitCode, (await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false)).Trim());
    }
}
