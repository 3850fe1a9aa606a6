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

    /// <summary>
    /// The harness compiled to bytecode by the host's interpreter, for sandboxes that run that same
    /// interpreter: compiling the source costs every cold start about 3 ms.
    /// </summary>
    public string CompiledRunnerPath { get; private set; } = "";

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

    /// <summary>Writes <see cref="CompiledRunnerPath"/> (after <see cref="WriteRunnerAsync"/>), for runners using the host's interpreter.</summary>
    public async Task WriteCompiledRunnerAsync(CancellationToken ct)
    {
        // Compiled on every start, not cached by name: bytecode is only valid for the interpreter
        // version that wrote it, and the host's python3 may have been upgraded since. Unchecked: a
        // .pyc run as the main script is never compared with its source anyway.
        const string Compile = "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], "
            + "dfile='/sandbox/runner.py', doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)";
        // Named by interpreter too: processes sharing a work directory may run different ones.
        var interpreter = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(hostPython)))[..8];
        CompiledRunnerPath = Path.ChangeExtension(RunnerPath, null) + "-" + interpreter + ".pyc";
        await ProduceAsync(CompiledRunnerPath, temp => ["-I", "-c", Compile, RunnerPath, temp], "compiling the sandbox harness", ct).ConfigureAwait(false);
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
        if (!File.Exists(output))
        {
            await ProduceAsync(output, temp => ["-I", builder, temp, .. network ? ["--network"] : Array.Empty<string>()],
                "building the seccomp filter (is python3-seccomp installed?)", ct).ConfigureAwait(false);
        }

        return output;
    }

    /// <summary>Runs the host's python to write <paramref name="output"/>, atomically (a temp file, then a rename).</summary>
    private async Task ProduceAsync(string output, Func<string, string[]> arguments, string what, CancellationToken ct)
    {
        var temp = output + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var start = new ProcessStartInfo(hostPython) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in arguments(temp))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {hostPython}");
        var errors = await process.StandardError.ReadToEndAsync(ct).ConfigureAwait(false);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            File.Delete(temp);
            throw new InvalidOperationException($"{what} with {hostPython} failed: {errors.Trim()}");
        }

        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(temp, output, overwrite: true);
    }
}
