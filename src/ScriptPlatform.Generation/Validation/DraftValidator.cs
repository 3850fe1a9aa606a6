using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using ScriptPlatform.Generation.Models;
using ScriptPlatform.Sandbox;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Generation.Validation;

/// <summary>One validation finding: an error sends the draft back to the model; a warning is only reported.</summary>
public sealed record Finding(bool IsError, string Code, string Message, int Line = 0);

/// <summary>The smoke run: whether it ran, how it ended, what the script returned.</summary>
public sealed record SmokeOutcome(bool Ran, string Note, string Status = "", string DataJson = "");

/// <summary>Everything known about one draft after validation.</summary>
public sealed record DraftValidation(IReadOnlyList<Finding> Findings, StaticReport? Static, ScriptMetadata? Metadata, SmokeOutcome Smoke)
{
    public bool Ok => !Findings.Any(f => f.IsError);

    /// <summary>The errors, as the model is told them in a repair request and the caller in a failure.</summary>
    public string Problems => string.Join("; ", Findings.Where(f => f.IsError).Select(f => f.Line > 0 ? $"line {f.Line}: {f.Message}" : f.Message));
}

/// <summary>How to validate a draft.</summary>
/// <param name="ExampleParamsJson">A JSON object for the smoke run, or null to derive one from the declared defaults.</param>
/// <param name="ExpectedStatuses">What the smoke run may return in <c>status</c> (a scaffold returns "not_implemented").</param>
/// <param name="SkipSmokeRun">Static checks only.</param>
public sealed record ValidationRequest(string? ExampleParamsJson, IReadOnlySet<string> ExpectedStatuses, bool SkipSmokeRun);

/// <summary>
/// Validates a draft the way the platform will use it: its metadata parses with the platform's parser, it compiles
/// and has the entry point, it imports only the standard library or declared, installed dependencies (static
/// inspection, <see cref="StaticInspector"/>), and a smoke run in the real sandbox with example params returns
/// <c>{status, data, metadata}</c> with an expected status.
/// </summary>
public sealed partial class DraftValidator(StaticInspector inspector, ISandbox sandbox, IOptions<GenerationOptions> options, IOptions<SandboxOptions> sandboxOptions)
{
    /// <summary>The most of the smoke run's returned data kept in the report.</summary>
    public const int MaxDataJsonChars = 4096;

    public static readonly IReadOnlySet<string> Success = new HashSet<string>(StringComparer.Ordinal) { "success" };

    public async Task<DraftValidation> ValidateAsync(string code, ValidationRequest request, CancellationToken ct)
    {
        var findings = new List<Finding>();
        var metadata = ParseMetadata(code, findings, out var declared);
        // The smoke run starts beside the inspection rather than after it: a good draft, the common case, then costs
        // the longer of the two instead of their sum. Its outcome only counts when the static checks pass.
        var smokeFindings = new List<Finding>();
        using var smokeCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var smokeRun = metadata is null || request.SkipSmokeRun ? null : SmokeRunAsync(code, metadata, request, smokeFindings, smokeCancel.Token);
        StaticReport report;
        try
        {
            report = await inspector.InspectAsync(code, declared, ct).ConfigureAwait(false);
        }
        catch
        {
            await StopAsync(smokeRun, smokeCancel).ConfigureAwait(false);
            throw;
        }

        AddStaticFindings(report, findings);
        if (findings.Any(f => f.IsError))
        {
            await StopAsync(smokeRun, smokeCancel).ConfigureAwait(false);
            return new DraftValidation(findings, report, metadata, new SmokeOutcome(false, "not run to the end: the draft failed the static checks"));
        }

        var smoke = smokeRun is null ? new SmokeOutcome(false, "not run: validation was skipped on request") : await smokeRun.ConfigureAwait(false);
        findings.AddRange(smokeFindings);
        return new DraftValidation(findings, report, metadata, smoke);
    }

    private static ScriptMetadata? ParseMetadata(string code, List<Finding> findings, out IReadOnlyCollection<string> declaredImports)
    {
        declaredImports = [];
        if (!ScriptBlock().IsMatch(code))
        {
            findings.Add(new Finding(true, "missing_metadata",
                "the script has no PEP 723 metadata block: it must start with '# /// script', a [tool.scriptplatform] table and '# ///'"));
            return null;
        }

        try
        {
            var metadata = ScriptMetadataParser.Parse(code);
            declaredImports = [.. metadata.Dependencies.Select(ScriptMetadataParser.ImportName).Select(n => n.Split('.')[0])];
            if (string.IsNullOrWhiteSpace(metadata.Docstring))
            {
                findings.Add(new Finding(false, "missing_docstring", "the script has no module docstring describing what it does"));
            }

            return metadata;
        }
        catch (ScriptMetadataException e)
        {
            findings.Add(new Finding(true, "invalid_metadata", $"the metadata block is invalid: {e.Message}"));
            return null;
        }
    }

    private static void AddStaticFindings(StaticReport report, List<Finding> findings)
    {
        if (!report.Compiles)
        {
            findings.Add(new Finding(true, "syntax_error", $"the code does not compile: {report.SyntaxMessage}", report.SyntaxLine));
            return;
        }

        if (report.Entry.Length == 0)
        {
            findings.Add(new Finding(true, "no_entry_point", "the script defines no module-level execute(params) function"));
        }
        else if (report.EntryParams == 0)
        {
            findings.Add(new Finding(true, "entry_point_signature", $"{report.Entry}() must take one argument, params (a dict)"));
        }

        foreach (var import in report.Imports.Where(i => !i.Optional))
        {
            var problem = import.Kind switch
            {
                "undeclared" => $"import {import.Module}: not in the standard library and not declared in the metadata block's dependencies",
                "not_installed" => $"import {import.Module}: declared, but not installed in the sandbox's runtime; use the standard library instead",
                "relative" => $"import {import.Module}: relative imports cannot work, a script is a single file",
                _ => null,
            };
            if (problem is not null)
            {
                findings.Add(new Finding(true, import.Kind == "not_installed" ? "missing_dependency" : "unavailable_import", problem, import.Line));
            }
        }
    }

    /// <summary>Stops a smoke run whose outcome no longer counts, and waits for its sandbox to be torn down.</summary>
    private static async Task StopAsync(Task<SmokeOutcome>? run, CancellationTokenSource cancel)
    {
        if (run is null)
        {
            return;
        }

        await cancel.CancelAsync().ConfigureAwait(false);
        try
        {
            await run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: it was cancelled.
        }
    }

    private async Task<SmokeOutcome> SmokeRunAsync(string code, ScriptMetadata metadata, ValidationRequest request, List<Finding> findings, CancellationToken ct)
    {
        if (metadata.Network && !sandboxOptions.Value.AllowNetwork)
        {
            return new SmokeOutcome(false, "not run: the script declares network access, which this sandbox does not grant");
        }

        IReadOnlyList<string> missing = [];
        var paramsJson = request.ExampleParamsJson ?? DefaultParams(metadata, out missing);
        if (paramsJson is null)
        {
            return new SmokeOutcome(false, $"not run: no example params, and the script requires {string.Join(", ", missing)} without defaults");
        }

        var result = await sandbox.RunAsync(new SandboxJob(code + ShapeCheck)
        {
            ScriptName = "draft",
            ParamsJson = paramsJson,
            Limits = new LimitOverrides { WallClockSeconds = options.Value.SmokeRunTimeoutSeconds },
        }, ct).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        if (result.Status != SandboxStatus.Success || result.Data is not { ValueKind: JsonValueKind.Object } returned)
        {
            var why = result.Error is { } error ? $"{error.Type}: {error.Message}{LastTracebackLine(error.Traceback)}" : result.ExitReason;
            findings.Add(new Finding(true, "smoke_run_failed", $"the smoke run with params {Shorten(paramsJson, 300)} failed ({result.Status}): {why}"));
            return new SmokeOutcome(true, $"failed: {why}");
        }

        var status = returned.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : s.ToString();
        var data = returned.TryGetProperty("data", out var d) ? Shorten(d.GetRawText(), MaxDataJsonChars) : "null";
        if (!request.ExpectedStatuses.Contains(status))
        {
            var said = returned.TryGetProperty("error", out var e) ? $" (error: {Shorten(e.ToString(), 500)})" : $" (data: {Shorten(data, 500)})";
            findings.Add(new Finding(true, "smoke_run_status",
                $"the smoke run with params {Shorten(paramsJson, 300)} returned status '{status}'{said}; expected '{string.Join("' or '", request.ExpectedStatuses)}'"));
        }

        return new SmokeOutcome(true, $"returned status {status} in {result.Duration.TotalMilliseconds:0} ms", status, data);
    }

    /// <summary>Params from the declared defaults; null (and the names) when a required param has none.</summary>
    private static string? DefaultParams(ScriptMetadata metadata, out IReadOnlyList<string> missing)
    {
        missing = [.. metadata.Parameters.Where(p => p.Required && p.Default is null).Select(p => p.Name)];
        if (missing.Count > 0)
        {
            return null;
        }

        var values = new JsonObject();
        foreach (var p in metadata.Parameters.Where(p => p.Default is not null))
        {
            values[p.Name] = JsonNode.Parse(p.Default!.Value.GetRawText());
        }

        return values.ToJsonString();
    }

    /// <summary>
    /// Appended to the draft for the smoke run only (after its last line, so tracebacks keep their line numbers): the
    /// harness accepts any return value, this insists on the platform's shape and hands the whole dict back as data.
    /// </summary>
    private const string ShapeCheck = """


        def __scriptplatform_smoke(params, _entry=globals().get("execute") or globals().get("main")):
            result = _entry(params)
            if hasattr(result, "__await__"):
                import asyncio
                result = asyncio.run(result)
            if not isinstance(result, dict) or not {"status", "data", "metadata"} <= result.keys():
                raise TypeError("execute(params) must return a dict with the keys status, data and metadata; it returned " + repr(result)[:200])
            return {"status": "success", "data": result, "metadata": {}}


        execute = __scriptplatform_smoke
        """;

    private static string LastTracebackLine(string? traceback)
    {
        var frame = traceback?.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith("File \"/sandbox/", StringComparison.Ordinal));
        return frame is null ? "" : $" ({frame.Trim()})";
    }

    internal static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    [GeneratedRegex(@"^# /// script\r?(?=\n|\z)", RegexOptions.Multiline)]
    private static partial Regex ScriptBlock();
}
