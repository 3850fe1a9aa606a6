using System.Globalization;

/// <summary>
/// CPU time (user + system) spent by the parts of one bench run, from /proc: this process's own threads (the bench's
/// clients, and the Executor when it runs in process), the processes it started (sandboxes, bare python3, or a service
/// such as the Registry), and the Postgres and RabbitMQ servers it provisioned. On a 2-core machine every CPU-ms one part
/// spends is taken from the others, so the split says where a run's time goes. Linux only; zeros elsewhere.
/// </summary>
internal sealed record CpuSplit(double Own, double Children, double Postgres, double RabbitMq)
{
    // USER_HZ: the unit of /proc/PID/stat's times (100 on every Linux this runs on).
    private const double TicksPerSecond = 100;

    public double Total => Own + Children + Postgres + RabbitMq;

    public static CpuSplit Zero { get; } = new(0, 0, 0, 0);

    public static CpuSplit operator -(CpuSplit a, CpuSplit b) =>
        new(a.Own - b.Own, a.Children - b.Children, a.Postgres - b.Postgres, a.RabbitMq - b.RabbitMq);

    public static CpuSplit operator +(CpuSplit a, CpuSplit b) =>
        new(a.Own + b.Own, a.Children + b.Children, a.Postgres + b.Postgres, a.RabbitMq + b.RabbitMq);

    public static CpuSplit operator /(CpuSplit a, double n) => new(a.Own / n, a.Children / n, a.Postgres / n, a.RabbitMq / n);

    /// <summary>The same split in milliseconds, named for the JSON detail.</summary>
    public object Milliseconds() => new { own = Own * 1000, started = Children * 1000, postgres = Postgres * 1000, rabbitmq = RabbitMq * 1000, total = Total * 1000 };

    /// <summary>Cumulative CPU seconds of each part now; subtract two snapshots for a phase.</summary>
    public static CpuSplit Snapshot()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new CpuSplit(0, 0, 0, 0);
        }

        var processes = ReadAll();
        var self = Environment.ProcessId;
        var children = processes.Values.Where(p => p.Parent == self).ToList();
        // The servers' watchdogs (children of this process) name their instance folders; the servers themselves are
        // daemonised (not our descendants), so they are found by that folder on their command line.
        var watchdogs = children.Where(p => p.CommandLine.EndsWith("watchdog.sh", StringComparison.Ordinal)).ToList();
        string? Instance(string kind) => watchdogs.Select(w => Path.GetDirectoryName(w.CommandLine.Split(' ').Last()))
            .FirstOrDefault(d => d is not null && Path.GetFileName(d).StartsWith(kind + "-", StringComparison.Ordinal));

        var own = processes.TryGetValue(self, out var me) ? me.Own : 0;
        // Reaped children (finished sandboxes) are in this process's children times; live ones (warm harnesses) are not yet.
        var started = (me?.Reaped ?? 0) + children.Where(c => !watchdogs.Contains(c)).Sum(c => Tree(processes, c.Pid));
        return new CpuSplit(own / TicksPerSecond, started / TicksPerSecond,
            ServerTicks(processes, Instance("postgres")) / TicksPerSecond, ServerTicks(processes, Instance("rabbitmq")) / TicksPerSecond);
    }

    private static double ServerTicks(Dictionary<int, ProcessTimes> processes, string? instance)
    {
        if (instance is null)
        {
            return 0;
        }

        // The topmost processes naming the instance folder (postmaster, beam.smp), with everything under them.
        var roots = processes.Values.Where(p => p.CommandLine.Contains(instance, StringComparison.Ordinal) && !p.CommandLine.EndsWith("watchdog.sh", StringComparison.Ordinal)).ToList();
        var rootPids = roots.Select(r => r.Pid).ToHashSet();
        return roots.Where(r => !rootPids.Contains(r.Parent)).Sum(r => Tree(processes, r.Pid));
    }

    // A live process's own and reaped children's times, plus its live descendants': each CPU-tick counted once.
    private static double Tree(Dictionary<int, ProcessTimes> processes, int pid) =>
        processes.TryGetValue(pid, out var p) ? p.Own + p.Reaped + processes.Values.Where(c => c.Parent == pid).Sum(c => Tree(processes, c.Pid)) : 0;

    private static Dictionary<int, ProcessTimes> ReadAll()
    {
        var all = new Dictionary<int, ProcessTimes>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the command name (which may hold spaces and parentheses): state, ppid, ... utime(14) stime(15) cutime(16) cstime(17).
                var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                double L(int field) => double.Parse(f[field - 3], CultureInfo.InvariantCulture);
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').TrimEnd();
                all[pid] = new ProcessTimes(pid, (int)L(4), L(14) + L(15), L(16) + L(17), commandLine);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // exited while we looked
            }
        }

        return all;
    }

    private sealed record ProcessTimes(int Pid, int Parent, double Own, double Reaped, string CommandLine);
}
