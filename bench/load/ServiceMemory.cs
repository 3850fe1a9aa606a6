using System.Globalization;
using ScriptPlatform.IntegrationTests.Platform;

namespace ScriptPlatform.Bench.Load;

/// <summary>
/// One service process: its stable label (the resource, "executor-worker replica 2" for replicas; DCP's
/// instance names carry a random suffix), the instance DCP started it for, its pid and resident memory.
/// </summary>
public sealed record ServiceProcess(string Label, string Instance, int Pid, string Command, long RssKiB);

/// <summary>
/// The resident memory (VmRSS of /proc/PID/status) of each .NET service process the AppHost started.
/// DCP reports the process it launched (<c>executable.pid</c>); when that is a launcher (<c>dotnet run</c>),
/// the service is its descendant named after the service's assembly, so the one measured is the
/// ScriptPlatform.* process at or below it, never the sandboxed scripts or checkers it runs.
/// </summary>
public static class ServiceMemory
{
    public static async Task<List<ServiceProcess>> MeasureAsync(AppHostPlatform platform, CancellationToken ct)
    {
        var result = new List<ServiceProcess>();
        foreach (var resource in AppHostPlatform.Services)
        {
            var instances = (await platform.ProcessIdsAsync(resource, ct)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
            if (instances.Count == 0)
            {
                throw new InvalidOperationException($"DCP reported no process of {resource}");
            }

            foreach (var (replica, (instance, pid)) in instances.Index())
            {
                var label = instances.Count == 1 ? resource : $"{resource} replica {replica + 1}";
                var service = SelfAndDescendants(pid).FirstOrDefault(IsService);
                if (service == 0)
                {
                    throw new InvalidOperationException($"no ScriptPlatform.* process at or below pid {pid} ({Command(pid)}) of {instance}");
                }

                result.Add(new ServiceProcess(label, instance, service, Command(service), RssKiB(service)));
            }
        }

        return result;
    }

    /// <summary>The same processes again (pids do not change while the platform runs).</summary>
    public static List<ServiceProcess> MeasureAgain(IEnumerable<ServiceProcess> before) =>
        [.. before.Select(p => p with { RssKiB = RssKiB(p.Pid) })];

    private static bool IsService(int pid) =>
        Comm(pid).StartsWith("ScriptPlatform.", StringComparison.Ordinal)
        || (Comm(pid) == "dotnet" && Command(pid).Split(' ').Any(a => Path.GetFileName(a).StartsWith("ScriptPlatform.", StringComparison.Ordinal) && a.EndsWith(".dll", StringComparison.Ordinal)));

    private static IEnumerable<int> SelfAndDescendants(int root)
    {
        var children = Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsAsciiDigit))
            .Select(p => (Pid: int.Parse(p!, CultureInfo.InvariantCulture), Parent: Parent(p!)))
            .ToLookup(p => p.Parent, p => p.Pid);
        var queue = new Queue<int>([root]);
        while (queue.TryDequeue(out var pid))
        {
            yield return pid;
            foreach (var child in children[pid])
            {
                queue.Enqueue(child);
            }
        }
    }

    private static long RssKiB(int pid)
    {
        var line = Read($"/proc/{pid}/status").Split('\n').FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"pid {pid} has no VmRSS (it has exited)");
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static int Parent(string pid)
    {
        // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
        var stat = Read($"/proc/{pid}/stat");
        if (stat.LastIndexOf(')') is var end && end < 0)
        {
            return -1;
        }

        var fields = stat[Math.Min(stat.Length, end + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], CultureInfo.InvariantCulture, out var parent) ? parent : -1;
    }

    private static string Comm(int pid) => Read($"/proc/{pid}/comm").Trim();

    private static string Command(int pid) => Read($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
