using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Slots;
using ScriptPlatform.Sandbox.Supervision;

namespace ScriptPlatform.Sandbox.Runners;

/// <summary>
/// cgroup v1 memory and pids controllers per slot, when the host has them (PLATFORM-FACTS.md: this
/// machine's cgroup v2 has no usable controllers). rlimits are per process; the memory cgroup caps
/// what all of a job's processes hold together, so 64 processes × RLIMIT_AS cannot exhaust the host.
/// </summary>
/// <remarks>
/// Moving a process into a v1 cgroup waits for an RCU grace period (10-20 ms on a busy host), too
/// slow per job. Instead each slot has one launcher thread that joined the slot's groups once: a
/// process forked by a thread is born in that thread's groups, so every sandbox started from it is
/// inside from its first instruction, with no race against its first fork. (Memory is charged to a
/// process's owner, so our own allocations stay ours.)
/// </remarks>
internal sealed class SlotCgroups
{
    private const string Group = "scriptplatform";
    private readonly string _root;
    private readonly Dictionary<int, LauncherThread> _launchers = [];

    private SlotCgroups(string root) => _root = root;

    /// <summary>The controllers, or null when they are absent or we may not manage them (not root).</summary>
    public static SlotCgroups? TryCreate(string root = "/sys/fs/cgroup") =>
        Environment.IsPrivilegedProcess
        && File.Exists(Path.Combine(root, "memory", "memory.limit_in_bytes"))
        && File.Exists(Path.Combine(root, "pids", "cgroup.procs"))
            ? new SlotCgroups(root)
            : null;

    /// <summary>Sets the slot's groups to this job's limits and starts the sandbox inside them.</summary>
    public Process Start(SandboxSlot slot, ResourceLimits limits, Func<Process> start)
    {
        Apply(slot, limits);
        LauncherThread launcher;
        lock (_launchers)
        {
            if (!_launchers.TryGetValue(slot.Uid, out launcher!))
            {
                launcher = new LauncherThread(slot, [Path.Combine(MemoryDir(slot), "tasks"), Path.Combine(PidsDir(slot), "tasks")]);
                _launchers[slot.Uid] = launcher;
            }
        }

        return launcher.Run(start);
    }

    /// <summary>Removes the slot's groups (they must be empty).</summary>
    public void Remove(SandboxSlot slot)
    {
        lock (_launchers)
        {
            if (_launchers.Remove(slot.Uid, out var launcher))
            {
                launcher.Dispose(); // the thread leaves the groups as it ends
            }
        }

        foreach (var dir in new[] { MemoryDir(slot), PidsDir(slot) })
        {
            // The launcher thread leaves the group a moment after it ends: retry briefly.
            for (var attempt = 0; Directory.Exists(dir) && attempt < 50; attempt++)
            {
                try
                {
                    Directory.Delete(dir);
                }
                catch (IOException)
                {
                    Thread.Sleep(10);
                }
            }
        }
    }

    // The slot is empty between jobs, so a lower limit than the last job's always applies.
    private void Apply(SandboxSlot slot, ResourceLimits limits)
    {
        Directory.CreateDirectory(MemoryDir(slot));
        Directory.CreateDirectory(PidsDir(slot));
        var bytes = limits.MemoryMb * (1L << 20);
        var memory = Path.Combine(MemoryDir(slot), "memory.limit_in_bytes");
        var swap = Path.Combine(MemoryDir(slot), "memory.memsw.limit_in_bytes");
        // The kernel keeps memory <= memory+swap at every write (EINVAL otherwise): a rising limit
        // sets memory+swap first, a falling one memory first.
        var order = File.Exists(swap)
            ? bytes > long.Parse(File.ReadAllText(swap).AsSpan().Trim(), CultureInfo.InvariantCulture) ? new[] { swap, memory } : [memory, swap]
            : [memory];
        foreach (var file in order)
        {
            File.WriteAllText(file, bytes.ToString(CultureInfo.InvariantCulture));
        }

        // A little above RLIMIT_NPROC, which fires first and is what the harness reports; this
        // is the backstop for processes the rlimit does not count.
        File.WriteAllText(Path.Combine(PidsDir(slot), "pids.max"), (limits.Processes + 8).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// True when the slot's pids group holds no task but its launcher thread: no process of any sandbox of this slot is
    /// left. Every such process is born in the group (started by the launcher thread) and cannot leave it (a sandbox has
    /// no cgroup file system and no privilege), so this proves what a sweep of /proc for the slot's uid would, with one
    /// small read instead of the kernel rendering every process's status. False when unsure (no launcher yet, unreadable).
    /// </summary>
    public bool HoldsNoProcess(SandboxSlot slot)
    {
        LauncherThread? launcher;
        lock (_launchers)
        {
            _launchers.TryGetValue(slot.Uid, out launcher);
        }

        if (launcher is null)
        {
            return false;
        }

        try
        {
            var launcherTid = launcher.Tid.ToString(CultureInfo.InvariantCulture);
            return File.ReadAllLines(Path.Combine(PidsDir(slot), "tasks")).All(tid => tid == launcherTid);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>How many processes the kernel's OOM killer has killed in the slot's memory group so far.</summary>
    public long OomKills(SandboxSlot slot)
    {
        var control = Path.Combine(MemoryDir(slot), "memory.oom_control");
        if (!File.Exists(control))
        {
            return 0;
        }

        try
        {
            var line = File.ReadLines(control).FirstOrDefault(l => l.StartsWith("oom_kill ", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.AsSpan(9), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            // The group went away between the check and the read (the sandbox is being disposed): nothing was killed in it
            // that we can tell. Read from a timer while a job runs, where an exception would end the process.
            return 0;
        }
    }

    private string MemoryDir(SandboxSlot slot) => Path.Combine(_root, "memory", Group, $"slot-{slot.Uid}");

    private string PidsDir(SandboxSlot slot) => Path.Combine(_root, "pids", Group, $"slot-{slot.Uid}");

    /// <summary>
    /// A thread that joined the slot's groups and starts processes on request. Threads inherit their
    /// creator's groups too, so it must create none: requests are answered with an event the caller
    /// waits on, never with a task continuation (which could make the thread pool grow from here).
    /// </summary>
    private sealed class LauncherThread : IDisposable
    {
        private readonly BlockingCollection<Request> _requests = [];
        private readonly Thread _thread;

        /// <summary>The thread's kernel id, as the slot's <c>tasks</c> files list it.</summary>
        public int Tid { get; private set; }

        public LauncherThread(SandboxSlot slot, string[] tasksFiles)
        {
            var joined = new Request(() => null!);
            _thread = new Thread(() => Loop(tasksFiles, joined)) { IsBackground = true, Name = $"sandbox launcher {slot}" };
            _thread.Start();
            joined.Wait();
        }

        public Process Run(Func<Process> start)
        {
            var request = new Request(start);
            _requests.Add(request);
            return request.Wait();
        }

        public void Dispose()
        {
            _requests.CompleteAdding();
            _thread.Join();
            _requests.Dispose();
        }

        private void Loop(string[] tasksFiles, Request joined)
        {
            try
            {
                Tid = Native.GetTid();
                foreach (var tasks in tasksFiles)
                {
                    File.WriteAllText(tasks, Tid.ToString(CultureInfo.InvariantCulture));
                }

                joined.Complete(null, null);
            }
            catch (Exception ex)
            {
                joined.Complete(null, ex);
                return;
            }

            foreach (var request in _requests.GetConsumingEnumerable())
            {
                Process? process = null;
                Exception? error = null;
                try
                {
                    process = request.Start();
                }
                catch (Exception ex)
                {
                    // Whatever failed, the requester gets it: an exception escaping this thread would end the whole process.
                    error = ex;
                }

                request.Complete(process, error);
            }
        }

        private sealed class Request(Func<Process> start)
        {
            private readonly ManualResetEventSlim _done = new();
            private Process? _process;
            private Exception? _error;

            public Func<Process> Start { get; } = start;

            public void Complete(Process? process, Exception? error)
            {
                (_process, _error) = (process, error);
                _done.Set();
            }

            public Process Wait()
            {
                _done.Wait();
                _done.Dispose();
                return _error is null ? _process! : throw new IOException("starting a sandbox in the slot's cgroups failed", _error);
            }
        }
    }
}
