using System.Text.Json;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Sandbox.Supervision;

/// <summary>Turns what the supervisor saw (a harness frame or a verdict of its own) into a <see cref="SandboxResult"/>.</summary>
internal static class ResultMapper
{
    public static SandboxResult Map(Supervised outcome, ScriptMetadata metadata, ResourceLimits limits)
    {
        using var payload = outcome.Payload;
        return outcome.Verdict switch
        {
            Verdict.Frame => FromHarness(payload!.RootElement, metadata),
            Verdict.Timeout => new SandboxResult
            {
                Status = SandboxStatus.Timeout,
                Error = new SandboxError("timeout", $"wall-clock limit of {limits.WallClockSeconds:0.###} s reached"),
                ExitReason = "wall-clock limit reached; the sandbox was killed",
            },
            Verdict.MemoryExceeded => MemoryExceeded(limits),
            Verdict.Cancelled => new SandboxResult { Status = SandboxStatus.Cancelled, ExitReason = "cancelled by the caller; the sandbox was killed" },
            Verdict.OutputExceeded => new SandboxResult
            {
                Status = SandboxStatus.Killed,
                KillReason = KillReason.Output,
                Error = new SandboxError("output_limit", $"output exceeded {limits.OutputKb} KiB"),
                ExitReason = "output limit exceeded; the sandbox was killed",
            },
            _ => new SandboxResult
            {
                Status = SandboxStatus.Error,
                Error = new SandboxError("sandbox_exited", outcome.Detail ?? "the sandbox exited before the script returned a result"),
                ExitReason = "the sandbox exited unexpectedly",
            },
        };
    }

    private static SandboxResult FromHarness(JsonElement root, ScriptMetadata metadata)
    {
        var outcome = root.GetProperty("outcome").GetString();
        var message = Text(root, "message");
        switch (outcome)
        {
            case "success":
            case "error" when !root.TryGetProperty("error", out _):
                var data = Element(root, "data");
                var meta = Element(root, "metadata");
                var rows = meta is { ValueKind: JsonValueKind.Object } m && m.TryGetProperty("rows_processed", out var r) && r.TryGetInt64(out var n) ? n : (long?)null;
                var failed = outcome == "error";
                return new SandboxResult
                {
                    Status = failed ? SandboxStatus.Error : SandboxStatus.Success,
                    Data = data,
                    Metadata = meta,
                    RowsProcessed = rows,
                    Cost = Cost(meta, rows, metadata),
                    CostUnit = metadata.CostUnit,
                    Error = failed ? new SandboxError("script_error", ScriptErrorMessage(root)) : null,
                    ExitReason = failed ? "the script returned status \"error\"" : "completed",
                };
            case "error":
                var error = root.GetProperty("error");
                return new SandboxResult
                {
                    Status = SandboxStatus.Error,
                    Error = new SandboxError(Text(error, "type") ?? "Exception", Text(error, "message") ?? "", Text(error, "traceback")),
                    ExitReason = "the script raised an exception",
                };
            case "invalid":
                return new SandboxResult
                {
                    Status = SandboxStatus.Invalid,
                    Error = new SandboxError(Text(root, "kind") ?? "invalid", message ?? "the script cannot run"),
                    ExitReason = message ?? "invalid script",
                };
            case "killed":
                var reason = Text(root, "kill_reason") switch
                {
                    "memory" => KillReason.Memory,
                    "processes" => KillReason.Processes,
                    "output" => KillReason.Output,
                    "cpu" => KillReason.Cpu,
                    "file_size" => KillReason.FileSize,
                    _ => KillReason.Signal,
                };
                return new SandboxResult
                {
                    Status = SandboxStatus.Killed,
                    KillReason = reason,
                    Error = new SandboxError(reason.ToString().ToLowerInvariant() + "_limit", message ?? "killed"),
                    ExitReason = message ?? "killed",
                };
            case "timeout":
                return new SandboxResult { Status = SandboxStatus.Timeout, Error = new SandboxError("timeout", message ?? "timeout"), ExitReason = message ?? "timeout" };
            default:
                return new SandboxResult { Status = SandboxStatus.Error, Error = new SandboxError("sandbox_protocol", $"unknown outcome '{outcome}'"), ExitReason = "protocol error" };
        }
    }

    /// <summary>The kernel killed a process of the job for the slot's memory limit.</summary>
    public static SandboxResult MemoryExceeded(ResourceLimits limits) => new()
    {
        Status = SandboxStatus.Killed,
        KillReason = KillReason.Memory,
        Error = new SandboxError("memory_limit", $"the job's processes exceeded {limits.MemoryMb} MiB together"),
        ExitReason = "memory limit exceeded; killed by the kernel",
    };

    private static string ScriptErrorMessage(JsonElement root) =>
        root.TryGetProperty("script_error", out var e)
            ? e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()
            : "the script returned status \"error\"";

    // Seed behaviour: a script may report its own cost; otherwise cost_per_unit × units processed.
    private static decimal? Cost(JsonElement? meta, long? rows, ScriptMetadata metadata)
    {
        if (meta is { ValueKind: JsonValueKind.Object } m)
        {
            if (m.TryGetProperty("cost", out var cost) && cost.TryGetDecimal(out var reported))
            {
                return reported;
            }

            if (metadata.CostPerUnit is { } perUnit)
            {
                var units = m.TryGetProperty("units", out var u) && u.TryGetDecimal(out var declared) ? declared : rows ?? 1;
                return perUnit * units;
            }
        }

        return metadata.CostPerUnit;
    }

    private static JsonElement? Element(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.Clone() : null;

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;
}
