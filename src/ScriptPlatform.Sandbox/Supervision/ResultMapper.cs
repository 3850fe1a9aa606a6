using System.Text.Json;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Sandbox.Supervision;

/// <summary>
/// Turns what the supervisor saw (a harness frame or a verdict of its own) into a <see cref="SandboxResult"/>.
/// Total: the frame's content is shaped by the script (its strings, or bytes it wrote to its result
/// channel itself), so nothing in it may make mapping throw.
/// </summary>
internal static class ResultMapper
{
    public static SandboxResult Map(Supervised outcome, ScriptMetadata metadata, ResourceLimits limits)
    {
        using var payload = outcome.Payload;
        return outcome.Verdict switch
        {
            Verdict.Frame => FromFrame(payload!.RootElement, metadata),
            Verdict.Unreadable => NotReadable(outcome.Detail ?? "not JSON"),
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

    /// <summary>True when the harness's load frame says the script imported and has an entry point.</summary>
    public static bool IsLoaded(Supervised loaded) =>
        loaded.Verdict == Verdict.Frame && loaded.Payload!.RootElement is { ValueKind: JsonValueKind.Object } root
        && root.TryGetProperty("outcome", out var outcome) && outcome.ValueKind == JsonValueKind.String && outcome.ValueEquals("ok");

    private static SandboxResult FromFrame(JsonElement root, ScriptMetadata metadata)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("outcome", out var outcome) || outcome.ValueKind != JsonValueKind.String)
        {
            return Protocol("the result frame has no outcome");
        }

        try
        {
            var result = FromHarness(outcome.GetString(), root, metadata);
            return result.Status == SandboxStatus.Success && (!IsValidText(result.Data) || !IsValidText(result.Metadata))
                ? NotReadable("it contains a lone UTF-16 surrogate, which is not valid Unicode text")
                : result;
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or FormatException or OverflowException)
        {
            // A frame of the right shape with values of the wrong kinds: the script forged it.
            return Protocol($"the result frame is malformed: {ex.Message}");
        }
    }

    private static SandboxResult FromHarness(string? outcome, JsonElement root, ScriptMetadata metadata)
    {
        var message = Text(root, "message");
        switch (outcome)
        {
            case "success":
            case "error" when !root.TryGetProperty("error", out _):
                var data = Element(root, "data");
                var meta = Element(root, "metadata");
                var rows = meta is { ValueKind: JsonValueKind.Object } m && m.TryGetProperty("rows_processed", out var r) && r.ValueKind == JsonValueKind.Number && r.TryGetInt64(out var n) ? n : (long?)null;
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
                    Error = error.ValueKind == JsonValueKind.Object
                        ? new SandboxError(Text(error, "type") ?? "Exception", Text(error, "message") ?? "", Text(error, "traceback"))
                        : new SandboxError("Exception", StringOf(error)),
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
                return Protocol($"unknown outcome '{outcome}'");
        }
    }

    private static SandboxResult Protocol(string message) =>
        new() { Status = SandboxStatus.Error, Error = new SandboxError("sandbox_protocol", message), ExitReason = "protocol error" };

    private static SandboxResult NotReadable(string why) => new()
    {
        Status = SandboxStatus.Invalid,
        Error = new SandboxError("result_not_serialisable", $"the script's result cannot be read: {why}"),
        ExitReason = "the result is not readable JSON",
    };

    /// <summary>The kernel killed a process of the job for the slot's memory limit.</summary>
    public static SandboxResult MemoryExceeded(ResourceLimits limits) => new()
    {
        Status = SandboxStatus.Killed,
        KillReason = KillReason.Memory,
        Error = new SandboxError("memory_limit", $"the job's processes exceeded {limits.MemoryMb} MiB together"),
        ExitReason = "memory limit exceeded; killed by the kernel",
    };

    private static string ScriptErrorMessage(JsonElement root) =>
        root.TryGetProperty("script_error", out var e) ? StringOf(e) : "the script returned status \"error\"";

    // Seed behaviour: a script may report its own cost; otherwise cost_per_unit × units processed.
    private static decimal? Cost(JsonElement? meta, long? rows, ScriptMetadata metadata)
    {
        if (meta is { ValueKind: JsonValueKind.Object } m)
        {
            if (m.TryGetProperty("cost", out var cost) && cost.ValueKind == JsonValueKind.Number && cost.TryGetDecimal(out var reported))
            {
                return reported;
            }

            if (metadata.CostPerUnit is { } perUnit)
            {
                var units = m.TryGetProperty("units", out var u) && u.ValueKind == JsonValueKind.Number && u.TryGetDecimal(out var declared) ? declared : rows ?? 1;
                try
                {
                    return perUnit * units;
                }
                catch (OverflowException)
                {
                    return null; // beyond decimal's range (about 7.9e28): no cost anyone could bill
                }
            }
        }

        return metadata.CostPerUnit;
    }

    private static JsonElement? Element(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.Clone() : null;

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? StringOf(value) : null;

    /// <summary>A string's text, or the JSON of anything else. Python lets a script put lone surrogates in
    /// its strings (GetString refuses those): they are kept in their escaped JSON form.</summary>
    private static string StringOf(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            try
            {
                return value.GetString()!;
            }
            catch (InvalidOperationException)
            {
                return value.GetRawText()[1..^1];
            }
        }

        return value.GetRawText();
    }

    /// <summary>False when a string or property name holds a lone surrogate (JSON allows the escape; Unicode text does not).</summary>
    private static bool IsValidText(JsonElement? element)
    {
        try
        {
            Visit(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        static void Visit(JsonElement? element)
        {
            switch (element?.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.Value.GetString();
                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.Value.EnumerateArray())
                    {
                        Visit(item);
                    }

                    break;
                case JsonValueKind.Object:
                    foreach (var property in element.Value.EnumerateObject())
                    {
                        _ = property.Name;
                        Visit(property.Value);
                    }

                    break;
            }
        }
    }
}
