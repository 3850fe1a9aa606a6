using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Grpc;
using ScriptPlatform.Sandbox;
using ScriptPlatform.Sandbox.Limits;

namespace ScriptPlatform.Executor.Domain;

/// <summary>Checks of caller input, each failing with the gRPC status the contract names and an actionable message.</summary>
public static partial class RequestValidation
{
    public const int MaxParamsBytes = ScriptSandbox.MaxParamsBytes;

    /// <summary>The params JSON normalised ("" → "{}"); INVALID_ARGUMENT unless a JSON object, RESOURCE_EXHAUSTED over 1 MiB.</summary>
    public static string Params(string? paramsJson, string what = "params_json")
    {
        if (string.IsNullOrWhiteSpace(paramsJson))
        {
            return "{}";
        }

        var bytes = Encoding.UTF8.GetByteCount(paramsJson);
        if (bytes > MaxParamsBytes)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"{what} is {bytes} bytes; the limit is {MaxParamsBytes} bytes (1 MiB). Pass large inputs by reference instead.");
        }

        try
        {
            using var document = JsonDocument.Parse(paramsJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new RpcException(StatusCode.InvalidArgument,
                    $"{what} must be a JSON object such as {{\"a\": 1}}, not a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
            }
        }
        catch (JsonException ex)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"{what} is not valid JSON: {ex.Message}");
        }

        return paramsJson;
    }

    /// <summary>A script name matching <c>^[a-z][a-z0-9_]{0,63}$</c>.</summary>
    public static string ScriptName(string? name, string what = "script.name")
    {
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
        {
            throw new RpcException(StatusCode.InvalidArgument,
                $"{what} '{name}' is not a valid script name: use lower-case letters, digits and '_', starting with a letter, at most 64 characters.");
        }

        return name;
    }

    /// <summary>An optional UUID; empty gives null.</summary>
    public static Guid? OptionalId(string? id, string what)
    {
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        return Guid.TryParse(id, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new RpcException(StatusCode.InvalidArgument, $"{what} '{id}' is not a UUID.");
    }

    /// <summary>A required UUID.</summary>
    public static Guid RequiredId(string? id, string what) =>
        OptionalId(id, what) ?? throw new RpcException(StatusCode.InvalidArgument, $"{what} is required.");

    /// <summary>A budget must be a non-negative number.</summary>
    public static double? Budget(bool has, double value) =>
        !has ? null : value is >= 0 and < double.PositiveInfinity ? value : throw new RpcException(StatusCode.InvalidArgument, $"budget_usd must be a non-negative number, not {value}.");

    /// <summary>Proto limits → sandbox overrides (zero fields keep the profile's defaults).</summary>
    public static LimitOverrides? Limits(Limits? limits)
    {
        if (limits is null)
        {
            return null;
        }

        if (limits.MemoryBytes < 0 || limits.MaxProcesses < 0 || limits.MaxOutputBytes < 0 || limits.TmpBytes < 0
            || (limits.Timeout is { } t && t.ToTimeSpan() < TimeSpan.Zero))
        {
            throw new RpcException(StatusCode.InvalidArgument, "limits must not be negative.");
        }

        return ToOverrides(limits.Timeout?.ToTimeSpan(), limits.MemoryBytes, limits.MaxProcesses, limits.MaxOutputBytes, limits.TmpBytes,
            limits.HasNetwork ? limits.Network : null);
    }

    /// <summary>Message limits → sandbox overrides.</summary>
    public static LimitOverrides? Limits(Contracts.Messages.RunLimits? limits) =>
        limits is null ? null : ToOverrides(limits.Timeout, limits.MemoryBytes ?? 0, limits.MaxProcesses ?? 0, limits.MaxOutputBytes ?? 0, limits.TmpBytes ?? 0, limits.Network);

    /// <summary>Proto limits → message limits.</summary>
    public static Contracts.Messages.RunLimits? ToMessage(Limits? limits) =>
        limits is null ? null : new Contracts.Messages.RunLimits(
            limits.Timeout is { } t && t.ToTimeSpan() > TimeSpan.Zero ? t.ToTimeSpan() : null,
            limits.MemoryBytes > 0 ? limits.MemoryBytes : null,
            limits.MaxProcesses > 0 ? limits.MaxProcesses : null,
            limits.MaxOutputBytes > 0 ? limits.MaxOutputBytes : null,
            limits.HasNetwork ? limits.Network : null,
            limits.TmpBytes > 0 ? limits.TmpBytes : null);

    private static LimitOverrides? ToOverrides(TimeSpan? timeout, long memoryBytes, int processes, long outputBytes, long tmpBytes, bool? network)
    {
        var overrides = new LimitOverrides
        {
            WallClockSeconds = timeout is { } t && t > TimeSpan.Zero ? t.TotalSeconds : null,
            CpuSeconds = timeout is { } c && c > TimeSpan.Zero ? (int)Math.Ceiling(c.TotalSeconds) : null,
            MemoryMb = memoryBytes > 0 ? (int)Math.Max(1, memoryBytes / (1024 * 1024)) : null,
            Processes = processes > 0 ? processes : null,
            OutputKb = outputBytes > 0 ? (int)Math.Max(1, outputBytes / 1024) : null,
            TmpfsMb = tmpBytes > 0 ? (int)Math.Max(1, tmpBytes / (1024 * 1024)) : null,
            Network = network,
        };
        return overrides == new LimitOverrides() ? null : overrides;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$")]
    private static partial Regex NamePattern();
}
