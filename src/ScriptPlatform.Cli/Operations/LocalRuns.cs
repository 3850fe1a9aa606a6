using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ScriptPlatform.Cli.Infrastructure;
using ScriptPlatform.Cli.Tiers;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Runs;
using ScriptPlatform.Sandbox;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Cli.Operations;

/// <summary>
/// Runs a local-tier script in <see cref="ScriptSandbox"/> (the Executor's sandbox library, no server
/// needed), costs it as the Executor does, appends it to <c>~/.scriptplatform/.runs/history.jsonl</c>
/// and, when the Executor answers, records it in the platform's execution log too (seed 004's dual logging).
/// </summary>
public sealed class LocalRuns(CliSettings settings, PlatformClients platform)
{
    public async Task<RunResult> RunAsync(LocalScript script, byte[] content, string paramsJson, double? timeoutSeconds, string? version,
        List<string> warnings, Action<OutputLine>? onOutput, CancellationToken ct)
    {
        var source = Encoding.UTF8.GetString(content);
        var hash = LocalScript.Sha256(content);
        var started = DateTimeOffset.UtcNow;
        var id = Guid.NewGuid();
        await using var sandbox = new ScriptSandbox(Options.Create(settings.SandboxOptions()), NullLogger<ScriptSandbox>.Instance);
        ScriptMetadata? metadata = null;
        try
        {
            metadata = ScriptMetadataParser.Parse(source);
        }
        catch (ScriptMetadataException)
        {
            // The sandbox reports the same problem as an INVALID run, with its message.
        }

        var result = await sandbox.RunAsync(new SandboxJob(source)
        {
            ScriptName = script.Name,
            ScriptVersion = version ?? hash[..12],
            ParamsJson = paramsJson,
            Metadata = metadata,
            Limits = timeoutSeconds is { } seconds ? new LimitOverrides { WallClockSeconds = seconds } : null,
            OnOutput = onOutput,
        }, ct).ConfigureAwait(false);

        var status = StatusMapping.ToStatus(result.Status);
        var ran = result.Status is not (SandboxStatus.Invalid or SandboxStatus.Cancelled);
        var cost = ran ? CostModel.Actual(metadata, paramsJson, result.Metadata) : 0;
        var error = result.Error is { } e ? new RunError(e.Type, e.Message, e.Traceback) : null;
        var run = new RunResult(
            id.ToString(), script.Name, script.Tier.ToString().ToLowerInvariant(), script.Path, version, hash, Name(status),
            result.Data, result.Metadata, error, result.Stdout, result.Stderr, result.Duration.TotalSeconds, cost, result.RowsProcessed,
            LoggedRemotely: false, warnings);

        var logged = await RecordRemotelyAsync(run, paramsJson, result, started, status, warnings, ct).ConfigureAwait(false);
        run = run with { LoggedRemotely = logged };
        AppendHistory(run, paramsJson, started);
        return run;
    }

    /// <summary>The history, oldest first (the last <paramref name="limit"/> runs, optionally of one script).</summary>
    public IReadOnlyList<JsonObject> History(int limit, string? script)
    {
        var path = settings.HistoryFile;
        if (!File.Exists(path))
        {
            return [];
        }

        var runs = new List<JsonObject>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                if (JsonNode.Parse(line) is JsonObject run && (script is null || (string?)run["script_name"] == script))
                {
                    runs.Add(run);
                }
            }
            catch (JsonException)
            {
                // A torn last line (a crash mid-append) must not hide the rest of the history.
                runs.Add(new JsonObject { ["unreadable_line"] = number });
            }
        }

        return runs.TakeLast(limit).ToList();
    }

    public static string Name(Contracts.Common.V1.ExecutionStatus status) => status.ToString().ToLowerInvariant();

    private void AppendHistory(RunResult run, string paramsJson, DateTimeOffset started)
    {
        // The seed's log_execution fields, plus what ties the entry to the script version and the platform's log.
        var entry = new JsonObject
        {
            ["execution_id"] = run.ExecutionId,
            ["script_name"] = run.ScriptName,
            ["version"] = run.Version,
            ["content_hash"] = run.ContentHash,
            ["source"] = run.Source,
            ["status"] = run.Status,
            ["duration_sec"] = Math.Round(run.DurationSec, 6),
            ["inputs"] = JsonNode.Parse(paramsJson),
            ["outputs"] = run.Data is { } data ? JsonNode.Parse(data.GetRawText()) : null,
            ["cost_usd"] = run.CostUsd,
            ["rows_processed"] = run.RowsProcessed,
            ["error"] = run.Error is null ? null : JsonSerializer.SerializeToNode(run.Error, CliOutput.Json),
            ["started_at"] = started.UtcDateTime.ToString("O"),
            ["logged_remotely"] = run.LoggedRemotely,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(settings.HistoryFile)!);
        // One write of one line in append mode: concurrent sp processes interleave whole lines.
        using var stream = new FileStream(settings.HistoryFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        var bytes = Encoding.UTF8.GetBytes(entry.ToJsonString() + "\n");
        stream.Write(bytes);
    }

    private async Task<bool> RecordRemotelyAsync(
        RunResult run, string paramsJson, SandboxResult result, DateTimeOffset started, Contracts.Common.V1.ExecutionStatus status, List<string> warnings,
        CancellationToken ct)
    {
        if (!await platform.IsReachableAsync(PlatformServices.Executor, ct).ConfigureAwait(false))
        {
            return false;
        }

        var execution = new Execution
        {
            Id = run.ExecutionId,
            ScriptName = run.ScriptName,
            Version = run.Version ?? "",
            ContentHash = run.ContentHash,
            ParamsJson = paramsJson,
            Status = status,
            DataJson = result.Data?.GetRawText() ?? "",
            MetadataJson = result.Metadata?.GetRawText() ?? "",
            StdoutTail = result.Stdout,
            StderrTail = result.Stderr,
            OutputTruncated = result.OutputTruncated,
            Duration = Duration.FromTimeSpan(result.Duration),
            CostUsd = run.CostUsd,
            RowsProcessed = result.RowsProcessed ?? 0,
            Caller = settings.Caller,
            StartedAt = Timestamp.FromDateTimeOffset(started),
            FinishedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            ExitCode = status == Contracts.Common.V1.ExecutionStatus.Success ? 0 : 1,
            KillReason = StatusMapping.ToKillReason(result),
            ExitReason = result.ExitReason,
        };
        if (result.Error is { } e)
        {
            execution.Error = new ExecutionError { Type = e.Type, Message = e.Message, Traceback = e.Traceback ?? "" };
        }

        try
        {
            await platform.CallAsync(PlatformServices.Executor,
                o => platform.Executor.RecordRunAsync(new RecordRunRequest { Execution = execution, Origin = settings.Caller + "@" + System.Environment.MachineName }, o),
                TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            return true;
        }
        catch (CliError error)
        {
            warnings.Add($"the run was not recorded in the platform's execution log: {error.Message}");
            return false;
        }
    }
}
