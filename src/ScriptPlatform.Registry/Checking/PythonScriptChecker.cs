using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using ScriptPlatform.Registry.Domain;
using ScriptPlatform.ServiceDefaults.Text;

namespace ScriptPlatform.Registry.Checking;

/// <summary>
/// Compiles a script with the sandbox's own interpreter, in a separate short-lived process
/// (<c>check_script.py</c>: parse and symbol table only, never executed), so the registry judges syntax
/// exactly as the sandbox will. One process per check, isolated (<c>-I -S</c>), bounded in time,
/// memory and number at once; the source goes in on stdin, one line of verdict comes out.
/// </summary>
public sealed partial class PythonScriptChecker : IScriptChecker, IDisposable
{
    private static readonly string CheckerSource = ReadCheckerSource();
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly ScriptCheckerOptions _options;
    private readonly ILogger<PythonScriptChecker> _logger;
    private readonly SemaphoreSlim _slots;

    public PythonScriptChecker(IOptions<ScriptCheckerOptions> options, ILogger<PythonScriptChecker> logger)
    {
        _options = options.Value;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrency > 0 ? _options.MaxConcurrency : Environment.ProcessorCount);
    }

    public async Task<string?> FindProblemAsync(string source, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return Interpret(await RunCheckerAsync(Utf8.GetBytes(source), cancellationToken));
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();

    private string? Interpret(string verdict)
    {
        var parts = verdict.TrimEnd('\n').Split('\t', 3);
        switch (parts[0])
        {
            case "ok":
                return null;
            case "no_entry":
                return "the content defines neither execute(params) nor main(params) at module level; the sandbox calls one of them";
            case "syntax" when parts.Length == 3:
                var line = int.TryParse(parts[1], CultureInfo.InvariantCulture, out var n) && n > 0 ? $"line {n}: " : "";
                return $"the content is not valid Python: {line}{parts[2]} (compiled by Python, not run)";
            case "too_large":
                return $"the content is over {ScriptContent.MaxBytes:N0} bytes";
            default:
                LogUnexpectedVerdict(_logger, TextRules.Shown(verdict));
                throw RegistryErrors.Unavailable("the registry's script checker failed; try again, and tell the operator if it persists");
        }
    }

    private async Task<string> RunCheckerAsync(byte[] utf8, CancellationToken cancellationToken)
    {
        using var process = Start();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        try
        {
            var verdict = process.StandardOutput.ReadToEndAsync(timeout.Token);
            // Drained so that warnings can never fill the pipe and stall the checker.
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            await WriteSourceAsync(process, utf8, timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var (output, stderr) = (await verdict, await errors);
            if (process.ExitCode != 0)
            {
                LogCheckerFailed(_logger, process.ExitCode, TextRules.Shown(stderr));
            }

            return output;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw RegistryErrors.ResourceExhausted(
                $"compiling the content took longer than {_options.TimeoutSeconds:0.#} s; nothing was stored. Simplify or split the script");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private Process Start()
    {
        var start = new ProcessStartInfo(_options.PythonPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
        };
        // -I: no user site, no PYTHON* variables, no script directory on sys.path; -S: no site module;
        // -B: writes no bytecode; warnings (invalid escapes...) are the author's business, not a verdict.
        string[] arguments = ["-I", "-S", "-B", "-W", "ignore", "-c", CheckerSource,
            ScriptContent.MaxBytes.ToString(CultureInfo.InvariantCulture), (_options.MemoryMb * 1024L * 1024L).ToString(CultureInfo.InvariantCulture)];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        try
        {
            return Process.Start(start) ?? throw new Win32Exception("the process did not start");
        }
        catch (Win32Exception e)
        {
            LogCannotStart(_logger, _options.PythonPath, e);
            throw RegistryErrors.Unavailable($"the registry cannot check scripts: its Python interpreter ({_options.PythonPath}) does not start; tell the operator");
        }
    }

    private static async Task WriteSourceAsync(Process process, byte[] utf8, CancellationToken cancellationToken)
    {
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(utf8, cancellationToken);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The checker exited before reading everything; its verdict (or its absence) tells why.
        }
    }

    private static string ReadCheckerSource()
    {
        using var stream = typeof(PythonScriptChecker).Assembly.GetManifestResourceStream("ScriptPlatform.Registry.Checking.check_script.py")
            ?? throw new InvalidOperationException("the embedded check_script.py is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The script checker's interpreter {Python} does not start")]
    private static partial void LogCannotStart(ILogger logger, string python, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The script checker exited with code {ExitCode}: {Stderr}")]
    private static partial void LogCheckerFailed(ILogger logger, int exitCode, string stderr);

    [LoggerMessage(Level = LogLevel.Error, Message = "The script checker answered '{Verdict}'")]
    private static partial void LogUnexpectedVerdict(ILogger logger, string verdict);
}
