using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ScriptPlatform.Registry.Checking;

/// <summary>
/// One long-lived <c>check_script.py</c> process: a length line and the UTF-8 source go in on stdin, one
/// verdict line comes out on stdout. Used by one check at a time; disposed (killed) when it falls out of step.
/// </summary>
internal sealed class CheckerProcess(Process process) : IDisposable
{
    // Drained in the background so that warnings can never fill the pipe and stall the checker.
    private readonly Task<string> _errors = process.StandardError.ReadToEndAsync();

    public int? ExitCode => process.HasExited ? process.ExitCode : null;

    /// <summary>What the process wrote to stderr, once it has exited.</summary>
    public string Errors => _errors.IsCompletedSuccessfully ? _errors.Result : "";

    /// <summary>The verdict line (without its newline), or null when the process ended without one.</summary>
    public async Task<string?> CheckAsync(byte[] utf8, CancellationToken cancellationToken)
    {
        try
        {
            var input = process.StandardInput.BaseStream;
            await input.WriteAsync(Encoding.ASCII.GetBytes(utf8.Length.ToString(CultureInfo.InvariantCulture) + "\n"), cancellationToken);
            await input.WriteAsync(utf8, cancellationToken);
            await input.FlushAsync(cancellationToken);
        }
        catch (IOException)
        {
            // The process exited before reading everything; its missing verdict says so.
        }

        return await process.StandardOutput.ReadLineAsync(cancellationToken);
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }
}
