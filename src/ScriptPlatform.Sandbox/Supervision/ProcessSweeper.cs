namespace ScriptPlatform.Sandbox.Supervision;

/// <summary>
/// Finds and kills every process of a slot's host uid. Process trees are not enough: a
/// double-forked, setsid()ed grandchild is nobody's child any more, but it keeps the uid.
/// </summary>
internal static class ProcessSweeper
{
    /// <summary>Live (non-zombie) processes whose real uid is <paramref name="uid"/>.</summary>
    public static List<int> ProcessesOf(int uid)
    {
        var found = new List<int>();
        var buffer = new byte[StatusHeadBytes];
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, out var pid))
            {
                continue;
            }

            try
            {
                if (IsLiveProcessOf(ReadStatusHead(Path.Combine(dir, "status"), buffer), uid))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // exited while we looked
            }
            catch (UnauthorizedAccessException)
            {
                // not ours to see
            }
        }

        return found;
    }

    /// <summary>SIGTERM, up to <paramref name="grace"/> to exit, then SIGKILL until none is left.</summary>
    /// <returns>True when no process of the uid remains.</returns>
    public static async Task<bool> KillAllAsync(int uid, TimeSpan grace)
    {
        var pids = ProcessesOf(uid);
        if (pids.Count == 0)
        {
            return true;
        }

        pids.ForEach(p => Native.Kill(p, Native.SigTerm));
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline && (pids = ProcessesOf(uid)).Count > 0)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        // A fork bomb can spawn between scan and kill; a few rounds catch the stragglers.
        for (var round = 0; round < 200 && (pids = ProcessesOf(uid)).Count > 0; round++)
        {
            pids.ForEach(p => Native.Kill(p, Native.SigKill));
            await Task.Delay(5).ConfigureAwait(false);
        }

        return ProcessesOf(uid).Count == 0;
    }

    // State and Uid are in the first lines of /proc/PID/status; reading only the head keeps a sweep
    // of a few hundred processes around a millisecond.
    private const int StatusHeadBytes = 512;

    private static string[] ReadStatusHead(string path, byte[] buffer)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        var length = file.Read(buffer, 0, buffer.Length);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, length).Split('\n');
    }

    private static bool IsLiveProcessOf(string[] status, int uid)
    {
        foreach (var line in status)
        {
            if (line.StartsWith("State:", StringComparison.Ordinal) && line.Contains("Z (zombie)", StringComparison.Ordinal))
            {
                return false;
            }

            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 1 && fields[1] == uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return false;
    }
}
