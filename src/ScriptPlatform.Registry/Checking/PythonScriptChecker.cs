using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using ScriptPlatform.Registry.Domain;
using ScriptPlatform.ServiceDefaults.Text;

namespace ScriptPlatform.Registry.Checking;

/// <summary>
/// Compiles a script with the sandbox's own interpreter, in separate long-lived processes
/// (<c>check_script.py</c>: parse and symbol table only, never executed), so the registry judges syntax
/// exactly as the sandbox will. Each process is isolated (<c>-I -S</c>, empty environment), memory-bounded,
/// and serves one check after another (a length line and the source in, one verdict line out); at most
/// <see cref="ScriptCheckerOptions.MaxConcurrency"/> run at once. A process that overruns the time limit,
/// crashes or answers nonsense is killed and replaced at the next check.
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

    private readonly ConcurrentBag<CheckerProcess> _idle = [];

    public async Task<string?> FindProblemAsync(string source, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return Interpret(await CheckAsync(Utf8.GetBytes(source), cancellationToken));
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var checker))
        {
            checker.Dispose();
        }

        _slots.Dispose();
    }

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

    private async Task<string> CheckAsync(byte[] utf8, CancellationToken cancellationToken)
    {
        var checker = TakeIdle() ?? new CheckerProcess(Start());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        var healthy = false;
        try
        {
            var verdict = await checker.CheckAsync(utf8, timeout.Token);
            // A verdict line means the process is still in step; anything else and it is replaced.
            healthy = verdict is not null && IsVerdict(verdict);
            if (verdict is null)
            {
                LogCheckerFailed(_logger, checker.ExitCode, TextRules.Shown(checker.Errors));
            }

            return verdict ?? "";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw RegistryErrors.ResourceExhausted(
                $"compiling the content took longer than {_options.TimeoutSeconds:0.#} s; nothing was stored. Simplify or split the script");
        }
        finally
        {
            if (healthy)
            {
                _idle.Add(checker);
            }
            else
            {
                checker.Dispose();
            }
        }
    }

    private CheckerProcess? TakeIdle()
    {
        while (_idle.TryTake(out var checker))
        {
            if (checker.ExitCode is null)
            {
                return checker;
            }

            checker.Dispose();
        }

        return null;
    }

    private static bool IsVerdict(string line) =>
        line is "ok" or "no_entry" or "too_large" || line.StartsWith("syntax\t", StringComparison.Ordinal);

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

    private static string ReadCheckerSource()
    {
        using var stream = typeof(PythonScriptChecker).Assembly.GetManifestResourceStream("ScriptPlatform.Registry.Checking.check_script.py")
            ?? throw new InvalidOperationException("the embedded check_script.py is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The script checker's interpreter {Python} does not start")]
    private static partial void LogCannotStart(ILogger logger, string python, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The script checker gave no verdict (exit code {ExitCode}): {Stderr}")]
    private static partial void LogCheckerFailed(ILogger logger, int? exitCode, string stderr);

    [LoggerMessage(Level = LogLevel.Error, Message = "The script checker answered '{Verdict}'")]
    private static partial void LogUnexpectedVerdict(ILogger logger, string verdict);
}
