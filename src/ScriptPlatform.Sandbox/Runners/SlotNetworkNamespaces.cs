using System.Diagnostics;
using System.Globalization;
using ScriptPlatform.Sandbox.Slots;
using ScriptPlatform.Sandbox.Supervision;

namespace ScriptPlatform.Sandbox.Runners;

/// <summary>
/// One persistent, empty network namespace per slot (privileged runs only). Creating a fresh network
/// namespace inside bwrap's user namespace costs ~3 ms per start, a sizeable share of a cold job;
/// instead each slot's namespace is created once, pinned by a bind mount of its nsfs file under the
/// work directory, and every job of the slot enters it with nsenter.
/// </summary>
/// <remarks>
/// Nothing is in it: no interface but a loopback that stays down, and it belongs to the host's user
/// namespace, so the sandbox's user namespace has no capability over it and cannot bring it up.
/// Concurrent slots never share one (a file per slot uid, and uids are unique per host). Successive
/// jobs of one slot do share it; what could outlive a job there is an abstract unix socket, and
/// that needs a live descriptor: after every cold job the supervisor kills every process of the
/// slot's uid and waits until none is left (<see cref="BubblewrapRunner.TerminateAsync"/> via
/// <see cref="ProcessSweeper.KillAllAsync"/>), and a warm worker is discarded the same way before a
/// cold job takes its slot, so no socket of one job survives into the next.
/// </remarks>
internal sealed class SlotNetworkNamespaces(string workDirectory)
{
    private const int MntDetach = 2;
    private readonly string _directory = Path.Combine(workDirectory, "netns");
    private readonly Dictionary<int, string> _paths = [];
    private readonly Lock _lock = new();

    /// <summary>The nsfs file of the slot's namespace, created on the slot's first use.</summary>
    public string PathFor(SandboxSlot slot)
    {
        lock (_lock)
        {
            if (_paths.TryGetValue(slot.Uid, out var path))
            {
                return path;
            }

            Directory.CreateDirectory(_directory);
            path = Path.Combine(_directory, "uid-" + slot.Uid.ToString(CultureInfo.InvariantCulture));

            // A previous process that crashed with the same work directory left its namespace mounted
            // here: detach it (the namespace goes away with its last mount) and start afresh.
            Detach(path);
            File.WriteAllBytes(path, []);
            Create(path);
            _paths[slot.Uid] = path;
            return path;
        }
    }

    /// <summary>Unmounts the slot's namespace, which frees it (no process of the slot is left).</summary>
    public void Release(SandboxSlot slot)
    {
        lock (_lock)
        {
            if (_paths.Remove(slot.Uid, out var path))
            {
                Detach(path);
                File.Delete(path);
            }
        }
    }

    private static void Create(string path)
    {
        // unshare(1) creates the namespace in a short-lived child and bind-mounts its nsfs file onto path.
        var start = new ProcessStartInfo("/usr/bin/unshare") { RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--net=" + path);
        start.ArgumentList.Add("/usr/bin/true");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start unshare");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"cannot create the network namespace {path}: {error.Trim()}");
        }
    }

    private static void Detach(string path)
    {
        // Until it is no longer a mount point (EINVAL) or does not exist (ENOENT); bounded in case of stacked mounts.
        for (var i = 0; i < 16; i++)
        {
            if (Native.Umount2(path, MntDetach) != 0)
            {
                return;
            }
        }
    }
}
