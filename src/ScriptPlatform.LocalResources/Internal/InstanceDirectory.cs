using System.Diagnostics;
using System.Globalization;

namespace ScriptPlatform.LocalResources.Internal;

/// <summary>
/// The run folder of one local server: its sockets, logs and a <c>stop.sh</c> that stops it.
/// A detached watchdog runs <c>stop.sh</c> when the owning process dies, and the next start reaps any
/// folder whose owner is gone, so an aborted test run never leaves servers running.
/// </summary>
internal sealed class InstanceDirectory
{
    private const string OwnerFile = "owner";
    private const string StopScript = "stop.sh";
    private Process? _watchdog;

    private InstanceDirectory(string path) => Path = path;

    /// <summary>The folder all instances live under; <c>SCRIPTPLATFORM_LOCAL_DIR</c> overrides it.</summary>
    public static string Root =>
        Environment.GetEnvironmentVariable("SCRIPTPLATFORM_LOCAL_DIR") is { Length: > 0 } root
            ? root
            : System.IO.Path.Combine(System.IO.Path.GetTempPath(), "scriptplatform-local");

    public string Path { get; }

    public static InstanceDirectory Create(string kind)
    {
        ReapOrphans();
        var path = System.IO.Path.Combine(Root, $"{kind}-{Guid.NewGuid():N}"[..(kind.Length + 13)]);
        Directory.CreateDirectory(path);
        // Servers may run as another user (postgres) and must be able to traverse the folder.
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        // Written aside and renamed into place: a concurrent reaper must never read half an owner file.
        var self = Environment.ProcessId;
        var pending = System.IO.Path.Combine(path, OwnerFile + ".tmp");
        File.WriteAllText(pending, $"{self} {ProcessStartTime(self)}\n");
        File.Move(pending, System.IO.Path.Combine(path, OwnerFile));
        return new InstanceDirectory(path);
    }

    /// <summary>Writes the script that stops the server; it must be safe to run more than once.</summary>
    public void WriteStopScript(string body)
    {
        var script = System.IO.Path.Combine(Path, StopScript);
        File.WriteAllText(script, "#!/bin/sh\n# Stops this instance; safe to run twice.\n" + body + "\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
    }

    /// <summary>
    /// Starts a watchdog in its own session (so Ctrl+C to our process group does not kill it) that
    /// stops the server and removes the folder once the owner process is gone.
    /// </summary>
    public void StartWatchdog(bool removeFolder)
    {
        var owner = Environment.ProcessId;
        var watchdog = System.IO.Path.Combine(Path, "watchdog.sh");
        File.WriteAllText(watchdog, $$"""
            #!/bin/sh
            # Parent-death watchdog: waits for process {{owner}} (same start time) to end, then stops the server.
            dir={{Command.ShellQuote(Path)}}
            expected=$(cut -d' ' -f2 "$dir/{{OwnerFile}}")
            while stat=$(cat /proc/{{owner}}/stat 2>/dev/null); do
              rest=${stat##*) }
              set -- $rest
              [ "${20}" = "$expected" ] || break
              sleep 1
            done
            [ -d "$dir" ] || exit 0
            sh "$dir/{{StopScript}}" >>"$dir/watchdog.log" 2>&1
            {{(removeFolder ? "rm -rf \"$dir\"" : "true")}}
            """);
        var startInfo = new ProcessStartInfo("/usr/bin/setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        startInfo.ArgumentList.Add("/bin/sh");
        startInfo.ArgumentList.Add(watchdog);
        _watchdog = Process.Start(startInfo);
    }

    /// <summary>Stops the server through its stop script, ends the watchdog and removes the folder.</summary>
    public async Task StopAsync(bool removeFolder, CancellationToken cancellationToken = default)
    {
        try
        {
            var stop = System.IO.Path.Combine(Path, StopScript);
            if (File.Exists(stop))
            {
                await Command.RunAsync("/bin/sh", [stop], timeout: TimeSpan.FromSeconds(90), cancellationToken: cancellationToken);
            }
        }
        finally
        {
            if (_watchdog is { HasExited: false })
            {
                _watchdog.Kill(entireProcessTree: true);
            }
            _watchdog?.Dispose();
            _watchdog = null;
            if (removeFolder)
            {
                TryDelete(Path);
            }
        }
    }

    /// <summary>Stops and removes instances whose owner process no longer exists.</summary>
    private static void ReapOrphans()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }
        foreach (var folder in Directory.GetDirectories(Root))
        {
            var ownerFile = System.IO.Path.Combine(folder, OwnerFile);
            if (!File.Exists(ownerFile) || OwnerIsAlive(File.ReadAllText(ownerFile)))
            {
                continue;
            }
            var stop = System.IO.Path.Combine(folder, StopScript);
            if (File.Exists(stop))
            {
                try
                {
                    Command.RunAsync("/bin/sh", [stop], timeout: TimeSpan.FromSeconds(90)).GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    // Best effort: the server may already be gone.
                }
            }
            TryDelete(folder);
        }
    }

    private static bool OwnerIsAlive(string owner)
    {
        var parts = owner.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2
            && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid)
            && ProcessStartTime(pid) is { } start
            && start == parts[1];
    }

    /// <summary>Field 22 of /proc/PID/stat: guards against a recycled pid looking alive.</summary>
    private static string? ProcessStartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[19];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next reaper pass.
        }
    }
}
