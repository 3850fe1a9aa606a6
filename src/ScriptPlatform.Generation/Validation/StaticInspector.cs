using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ScriptPlatform.Generation.Models;
using ScriptPlatform.Sandbox;

namespace ScriptPlatform.Generation.Validation;

/// <summary>What <c>inspect_script.py</c> found in a draft, without running it.</summary>
public sealed record StaticReport(
    bool Compiles, int SyntaxLine, string SyntaxMessage, string Entry, int EntryParams, bool HasDocstring,
    IReadOnlyList<ImportFinding> Imports, IReadOnlyList<CapabilityFinding> Capabilities);

/// <param name="Kind">stdlib, declared (and installed), not_installed (declared, absent), undeclared or relative.</param>
/// <param name="Optional">Inside <c>try: ... except ImportError</c>: the script copes without it.</param>
public sealed record ImportFinding(string Module, int Line, string Kind, bool Optional);

/// <param name="Capability">network, subprocess, file_write, environment or dynamic_code.</param>
public sealed record CapabilityFinding(string Capability, string Detail, int Line);

/// <summary>
/// Runs <c>inspect_script.py</c> with the sandbox's interpreter in a short-lived, isolated process
/// (<c>-I -S</c>, empty environment, address-space and time limits): it parses and compiles the draft
/// and walks its syntax tree, never executing it. The standard library and installed packages it
/// checks imports against are that interpreter's, so they are what the sandbox will have.
/// </summary>
public sealed partial class StaticInspector(IOptions<GenerationOptions> options, IOptions<SandboxOptions> sandbox, ILogger<StaticInspector> logger)
{
    private static readonly string InspectorSource = ReadInspectorSource();
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly InspectorOptions _options = options.Value.Inspector;

    public async Task<StaticReport> InspectAsync(string source, IReadOnlyCollection<string> declaredImports, CancellationToken ct)
    {
        var request = JsonSerializer.SerializeToUtf8Bytes(new InspectRequest(source, declaredImports, sandbox.Value.SitePackages), Json);
        using var process = Start();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.StandardInput.BaseStream.WriteAsync(request, timeout.Token).ConfigureAwait(false);
            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            var (stdout, stderr) = (await output.ConfigureAwait(false), await errors.ConfigureAwait(false));
            if (process.ExitCode != 0 || JsonSerializer.Deserialize<StaticReport>(stdout, Json) is not { } report)
            {
                LogInspectorFailed(logger, process.ExitCode, stderr.Length > 2000 ? stderr[..2000] : stderr);
                throw new RpcException(new Status(StatusCode.Internal, "the draft inspector failed; the operator will find why in the service's log"));
            }

            return report;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"inspecting the draft took longer than {_options.TimeoutSeconds:0.#} s"));
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
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in (string[])["-I", "-S", "-B", "-W", "ignore", "-c", InspectorSource, (_options.MemoryMb * 1024L * 1024L).ToString(CultureInfo.InvariantCulture)])
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
            LogCannotStart(logger, _options.PythonPath, e);
            throw new RpcException(new Status(StatusCode.Unavailable, $"the service cannot inspect drafts: its Python interpreter ({_options.PythonPath}) does not start; tell the operator"));
        }
    }

    private static string ReadInspectorSource()
    {
        using var stream = typeof(StaticInspector).Assembly.GetManifestResourceStream("ScriptPlatform.Generation.Validation.inspect_script.py")
            ?? throw new InvalidOperationException("the embedded inspect_script.py is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private sealed record InspectRequest(string Source, IReadOnlyCollection<string> Declared, IReadOnlyList<string> SitePaths);

    [LoggerMessage(Level = LogLevel.Error, Message = "The draft inspector's interpreter {Python} does not start")]
    private static partial void LogCannotStart(ILogger logger, string python, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The draft inspector exited with code {ExitCode}: {Stderr}")]
    private static partial void LogInspectorFailed(ILogger logger, int exitCode, string stderr);
}
