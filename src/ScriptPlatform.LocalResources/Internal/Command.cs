using System.Diagnostics;
using System.Text;

namespace ScriptPlatform.LocalResources.Internal;

/// <summary>Runs a short-lived command to completion and captures its output.</summary>
internal static class Command
{
    public static async Task<string> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{fileName} {string.Join(' ', startInfo.ArgumentList)}' did not finish in time.\n{output}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{fileName} {string.Join(' ', startInfo.ArgumentList)}' exited with {process.ExitCode}:\n{output}");
        }
        return output.ToString();
    }

    /// <summary>Prefixes a command so that it runs as <paramref name="user"/> when we are root.</summary>
    public static (string FileName, List<string> Arguments) AsUser(string? user, string fileName, params string[] arguments)
    {
        if (user is null)
        {
            return (fileName, [.. arguments]);
        }
        return ("/usr/sbin/runuser", ["-u", user, "--", fileName, .. arguments]);
    }

    /// <summary>Quotes a value for a POSIX shell script.</summary>
    public static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
