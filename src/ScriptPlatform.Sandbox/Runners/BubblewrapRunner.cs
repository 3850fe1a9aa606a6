using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ScriptPlatform.Sandbox.Harness;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Slots;
using ScriptPlatform.Sandbox.Supervision;

namespace ScriptPlatform.Sandbox.Runners;

/// <summary>
/// bubblewrap, hardened as measured in PLATFORM-FACTS.md: all namespaces unshared, read-only root
/// with only /usr, sized tmpfs, cleared environment, no capabilities, seccomp filter, rlimits, and
/// the whole thing started as the slot's own non-root host uid (RLIMIT_NPROC is not enforced for
/// uid 0, so a fork bomb would run free as root).
/// </summary>
/// <param name="networkNamespaces">
/// The slots' persistent network namespaces, when privileged (null otherwise): jobs without network
/// enter their slot's instead of having bwrap create one per start (see <see cref="SlotNetworkNamespaces"/>).
/// </param>
internal sealed class BubblewrapRunner(SandboxOptions options, HarnessFiles files, SlotCgroups? cgroups, SlotNetworkNamespaces? networkNamespaces) : ISandboxRunner
{
    // Paths a resolver and TLS client need; bound read-only only for scripts granted network.
    private static readonly string[] NetworkFiles = ["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/gai.conf", "/etc/ssl", "/etc/ca-certificates"];

    public async Task PrepareAsync(CancellationToken ct)
    {
        await files.WriteRunnerAsync(ct).ConfigureAwait(false);
        await files.WriteCompiledRunnerAsync(ct).ConfigureAwait(false);
        await files.WriteSeccompFiltersAsync(ct).ConfigureAwait(false);
    }

    public Process Start(SandboxSlot slot, ResourceLimits limits, bool network, string instanceName)
    {
        // bwrap reads its seccomp filter from a descriptor. .NET cannot pass extra descriptors, but a
        // child inherits any not marked close-on-exec: open one per start (bwrap reads it to the end,
        // so concurrent starts must not share one), and close it once the child has it. A concurrent
        // start may inherit it too; the harness closes every descriptor above 2 first thing.
        var filter = network ? files.NetworkFilterPath : files.StrictFilterPath;
        var fd = Native.OpenInheritable(filter, Native.ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"cannot open seccomp filter {filter} (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            var start = CreateStartInfo(slot, limits, network, fd);
            Process Launch() => Process.Start(start) ?? throw new InvalidOperationException("could not start bwrap");
            return cgroups is null ? Launch() : cgroups.Start(slot, limits, Launch);
        }
        finally
        {
            Native.Close(fd);
        }
    }

    public long OomKills(SandboxSlot slot) => cgroups?.OomKills(slot) ?? 0;

    public void Release(SandboxSlot slot)
    {
        cgroups?.Remove(slot);
        networkNamespaces?.Release(slot);
    }

    public async Task TerminateAsync(SandboxSlot slot, string instanceName, CancellationToken ct)
    {
        // After a job that ended by itself the slot is almost always empty already, and the slot's pids group says so
        // with one read. The sweep reads every process's /proc status (the kernel renders each in full): it was half
        // the Executor's CPU per cold job, and it grows with the number of processes on the host, i.e. under load.
        if (cgroups?.HoldsNoProcess(slot) == true)
        {
            return;
        }

        if (!await ProcessSweeper.KillAllAsync(slot.Uid, TimeSpan.FromMilliseconds(options.KillGraceMilliseconds)).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"processes of {slot} survived SIGKILL");
        }
    }

    private ProcessStartInfo CreateStartInfo(SandboxSlot slot, ResourceLimits limits, bool network, int seccompFd)
    {
        var start = new ProcessStartInfo("/usr/bin/bwrap")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        var args = start.ArgumentList;

        // Unprivileged callers (a developer's CLI) run bwrap as themselves; bwrap's PID namespace
        // still takes every process down with it.
        var id = slot.Uid.ToString(CultureInfo.InvariantCulture);
        if (Environment.IsPrivilegedProcess && !network && networkNamespaces is not null)
        {
            // nsenter joins the slot's persistent, empty network namespace and switches to the slot's
            // uid and gid (-G also drops supplementary groups) in one exec; bwrap then unshares every
            // other namespace, as --unshare-all would, but not the network one.
            start.FileName = "/usr/bin/nsenter";
            Add(args, $"--net={networkNamespaces.PathFor(slot)}", "-S", id, "-G", id, "/usr/bin/bwrap",
                "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try");
        }
        else
        {
            if (Environment.IsPrivilegedProcess)
            {
                start.FileName = "/usr/bin/setpriv";
                Add(args, $"--reuid={id}", $"--regid={id}", "--clear-groups", "/usr/bin/bwrap");
            }

            args.Add("--unshare-all");
            if (network)
            {
                args.Add("--share-net");
            }
        }

        Add(args, "--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns",
            "--die-with-parent", "--new-session", "--hostname", "sandbox", "--cap-drop", "ALL",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache");
        if (network)
        {
            foreach (var path in NetworkFiles)
            {
                Add(args, "--ro-bind-try", path, path);
            }
        }

        // rlimits are applied by the harness before the script runs (see runner.py), which saves a
        // prlimit/shell process per start.
        Add(args, "--proc", "/proc", "--dev", "/dev",
            "--size", "1048576", "--tmpfs", "/dev/shm",
            "--size", (limits.TmpfsMb * 1048576L).ToString(CultureInfo.InvariantCulture), "--tmpfs", "/tmp",
            "--ro-bind", files.CompiledRunnerPath, "/sandbox/runner.pyc",
            "--remount-ro", "/dev", "--remount-ro", "/",
            "--clearenv", "--setenv", "PATH", "/usr/bin", "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8",
            "--chdir", "/tmp", "--seccomp", seccompFd.ToString(CultureInfo.InvariantCulture),
            // The harness is the namespace's PID 1 and reaps orphans itself: one process fewer per
            // start, and when it exits the kernel kills everything left in the namespace.
            "--as-pid-1",
            options.PythonPath, "-I", "-S", "-B", "/sandbox/runner.pyc");
        return start;
    }

    private static void Add(System.Collections.ObjectModel.Collection<string> list, params string[] items)
    {
        foreach (var item in items)
        {
            list.Add(item);
        }
    }
}
