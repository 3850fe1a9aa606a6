using System.Diagnostics;
using System.Security.Cryptography;

namespace ScriptPlatform.Sandbox.Harness;

/// <summary>
/// Puts the embedded Python harness and the seccomp filters on the host, where runners bind or pass
/// them into sandboxes. File names carry a content hash so that several versions of the library on
/// one host never overwrite each other's files mid-run.
/// </summary>
internal sealed class HarnessFiles(string workDirectory, string hostPython)
{
    /// <summary>The harness script (world-readable: sandboxes bind it as their slot's uid).</summary>
    public string RunnerPath { get; private set; } = "";

    /// <summary>BPF denying everything but AF_UNIX sockets.</summary>
    public string StrictFilterPath { get; private set; } = "";

    /// <summary>BPF that also allows IP sockets, for scripts granted network.</summary>
    public string NetworkFilterPath { get; private set; } = "";

    public async Task WriteRunnerAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(workDirectory);
        // Readable by the slots' uids (bwrap binds the harness as them), writable by us only.
        File.SetUnixFileMode(workDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        RunnerPath = await ExtractAsync("runner.py", ct).ConfigureAwait(false);
    }

    public async Task WriteSeccompFiltersAsync(CancellationToken ct)
    {
        var builder = await ExtractAsync("seccomp_filter.py", ct).ConfigureAwait(false);
        var stem = Path.GetFileNameWithoutExtension(builder);
        StrictFilterPath = await BuildFilterAsync(builder, Path.Combine(workDirectory, stem + ".strict.bpf"), network: false, ct).ConfigureAwait(false);
        NetworkFilterPath = await BuildFilterAsync(builder, Path.Combine(workDirectory, stem + ".network.bpf"), network: true, ct).ConfigureAwait(false);
    }

    private async Task<string> ExtractAsync(string resource, CancellationToken ct)
    {
        using var stream = typeof(HarnessFiles).Assembly.GetManifestResourceStream($"ScriptPlatform.Sandbox.Harness.{resource}")
            ?? throw new InvalidOperationException($"embedded harness file {resource} is missing");
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct).ConfigureAwait(false);
        var hash = Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()))[..16];
        var path = Path.Combine(workDirectory, $"{Path.GetFileNameWithoutExtension(resource)}-{hash}{Path.GetExtension(resource)}");
        if (!File.Exists(path))
        {
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            await File.WriteAllBytesAsync(temp, buffer.ToArray(), ct).ConfigureAwait(false);
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temp, path, overwrite: true);
        }

        return path;
    }

    private async Task<string> BuildFilterAsync(string builder, string output, bool network, CancellationToken ct)
    {
        if (File.Exists(output))
        {
            return output;
        }

        var temp = output + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var start = new ProcessStartInfo(hostPython) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-I", builder, temp }.Concat(network ? ["--network"] : Array.Empty<string>()))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {hostPython}");
        var errors = await process.StandardError.ReadToEndAsync(ct).ConfigureAwait(false);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"building the seccomp filter failed (is python3-seccomp installed for {hostPython}?): {errors.Trim()}");
        }

        File.Move(temp, output, overwrite: true);
        return output;
    }
}
