using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Runs;
using ScriptPlatform.Sandbox;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.ServiceDefaults.Text;

namespace ScriptPlatform.Executor.Domain;

/// <summary>Checks of caller input, each failing with the gRPC status the contract names and an actionable message.</summary>
public static partial class RequestValidation
{
    public const int MaxParamsBytes = ScriptSandbox.MaxParamsBytes;

    /// <summary>
    /// Inline content is limited like a published script: the Registry's 256 KiB
    /// (<c>ScriptPlatform.Registry.Domain.ScriptContent.MaxBytes</c>; the Executor does not reference the
    /// Registry and Contracts has no shared constant). A batch copies the content into every job message,
    /// so an unbounded script would be multiplied by the job count.
    /// </summary>
    public const int MaxInlineContentBytes = 256 * 1024;

    /// <summary>Longest caller and batch label: names, not documents.</summary>
    public const int MaxNameLength = 256;

    /// <summary>Longest version selector, as the Registry's.</summary>
    public const int MaxSelectorLength = 256;

    /// <summary>Longest cancel reason.</summary>
    public const int MaxReasonLength = 1024;

    // The range Timestamp.ToDateTime accepts: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;
    private const int NanosPerSecond = 1_000_000_000;

    // The longest text Guid.TryParse accepts: its hexadecimal "X" form, {0x00000000,0x0000,...}.
    private const int MaxUuidLength = 68;

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");


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
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"{what} is {bytes} bytes; the limit is {MaxParamsBytes} bytes (1 MiB). Pass large inputs by reference instead."));
        }

        try
        {
            using var document = JsonDocument.Parse(paramsJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"{what} must be a JSON object such as {{\"a\": 1}}, not a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}."));
            }
        }
        catch (JsonException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{what} is not valid JSON: {ex.Message}"));
        }

        return paramsJson;
    }

    /// <summary>A script name matching <c>^[a-z][a-z0-9_]{0,63}\z</c>.</summary>
    public static string ScriptName(string? name, string what = "script.name")
    {
        // Length first, so the pattern never runs on (nor the message repeats) a huge value.
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !NamePattern().IsMatch(name))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"{what} '{TextRules.Shown(name)}' is not a valid script name: use lower-case letters, digits and '_', starting with a letter, at most 64 characters."));
        }

        return name;
    }

    /// <summary>
    /// A version selector (empty/latest, exact or range), checked for length and control characters
    /// before it travels to the Registry, whose grammar decides the rest: at most the Registry's
    /// 256 characters (<c>VersionRange.Parse</c>), so a huge value is refused here in its own words.
    /// </summary>
    public static string VersionSelector(string? selector, string what = "script.version_selector") =>
        Text(selector, what, MaxSelectorLength);

    /// <summary>
    /// An optional UUID; empty gives null. The message quotes a refused value only in part
    /// (<see cref="TextRules.Shown"/>): a whole 100,000-character value in the grpc-message trailer
    /// passes the clients' header limit, and the call fails in transport instead of as INVALID_ARGUMENT.
    /// </summary>
    public static Guid? OptionalId(string? id, string what)
    {
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        return id.Length <= MaxUuidLength && Guid.TryParse(id, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"{what} '{TextRules.Shown(id)}' is not a UUID; give one as 36 characters such as 0b9f3c1e-6a52-4d0e-9f3e-2b7f3f1c9a10."));
    }

    /// <summary>
    /// An optional lockfile pin: empty, or a SHA-256 as 64 hexadecimal characters (length first, so no
    /// huge value is scanned or quoted). Anything else could never match, and its mismatch message would
    /// repeat it.
    /// </summary>
    public static string ContentHash(string? hash, string what = "expected_content_hash")
    {
        if (string.IsNullOrEmpty(hash))
        {
            return "";
        }

        return hash.Length == 64 && hash.AsSpan().IndexOfAnyExcept(HexDigits) < 0
            ? hash.ToLowerInvariant()
            : throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"{what} '{TextRules.Shown(hash)}' is not a SHA-256: give the 64 hexadecimal characters of the content hash (as a lockfile or the Registry's Load returns it)."));
    }

    /// <summary>A required SHA-256 (an execution recorded elsewhere always names what ran).</summary>
    public static string RequiredContentHash(string? hash, string what) =>
        string.IsNullOrEmpty(hash)
            ? throw new RpcException(new Status(StatusCode.InvalidArgument, $"{what} is required: the 64 hexadecimal characters of the content's SHA-256."))
            : ContentHash(hash, what);

    /// <summary>A required UUID.</summary>
    public static Guid RequiredId(string? id, string what) =>
        OptionalId(id, what) ?? throw new RpcException(new Status(StatusCode.InvalidArgument, $"{what} is required."));

    /// <summary>A budget must be a non-negative number.</summary>
    public static double? Budget(bool has, double value) =>
        !has ? null : value is >= 0 and < double.PositiveInfinity ? value : throw new RpcException(new Status(StatusCode.InvalidArgument, $"budget_usd must be a non-negative number, not {value}."));

    /// <summary>
    /// The cost estimate of one job; INVALID_ARGUMENT when it is not a finite number (params[cost_unit] =
    /// 1e400 parses as infinity), which no budget could bound and no execution log should record.
    /// </summary>
    public static double CostEstimate(Sandbox.Metadata.ScriptMetadata? metadata, string paramsJson, string what = "params_json")
    {
        var estimate = CostModel.Estimate(metadata, paramsJson);
        return double.IsFinite(estimate)
            ? estimate
            : throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"{what}: the cost unit \"{metadata?.CostUnit}\" is too large a number to cost (it overflows to infinity); give a realistic count."));
    }

    /// <summary>Inline script source: RESOURCE_EXHAUSTED over <see cref="MaxInlineContentBytes"/>.</summary>
    public static void InlineContent(string content, string what = "inline.content")
    {
        var bytes = Encoding.UTF8.GetByteCount(content);
        if (bytes > MaxInlineContentBytes)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"{what} is {bytes} bytes; the limit is {MaxInlineContentBytes} bytes (256 KiB, as for scripts in the Registry). Publish the script to the Registry or make it smaller."));
        }
    }

    /// <summary>
    /// Free text that is stored and filtered on (caller, label, reason): Postgres text cannot hold NUL,
    /// and control characters only garble logs, so both are refused, as is unbounded length. Empty gives "".
    /// </summary>
    public static string Text(string? value, string what, int maxLength) =>
        string.IsNullOrEmpty(value) ? ""
            : TextRules.LabelProblem(value, what, maxLength) is { } problem
                ? throw new RpcException(new Status(StatusCode.InvalidArgument, problem))
                : value;

    /// <summary>
    /// An optional protobuf Timestamp as a DateTimeOffset. A malformed one (nanos outside [0, 1e9), or
    /// outside years 1-9999) would make <c>ToDateTimeOffset</c> throw, which would reach the client as UNKNOWN.
    /// </summary>
    public static DateTimeOffset? Time(Google.Protobuf.WellKnownTypes.Timestamp? time, string what)
    {
        if (time is null)
        {
            return null;
        }

        return time.Nanos is >= 0 and < NanosPerSecond && time.Seconds is >= MinTimestampSeconds and <= MaxTimestampSeconds
            ? time.ToDateTimeOffset()
            : throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"{what} is not a valid timestamp (seconds {time.Seconds}, nanos {time.Nanos}): seconds must be within years 1-9999 and nanos in [0, 999999999]."));
    }

    /// <summary>Proto limits → sandbox overrides (zero fields keep the profile's defaults).</summary>
    public static LimitOverrides? Limits(Limits? limits)
    {
        if (limits is null)
        {
            return null;
        }

        var timeout = Timeout(limits.Timeout);
        if (limits.MemoryBytes < 0 || limits.MaxProcesses < 0 || limits.MaxOutputBytes < 0 || limits.TmpBytes < 0 || timeout < TimeSpan.Zero)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "limits must not be negative."));
        }

        return ToOverrides(timeout, limits.MemoryBytes, limits.MaxProcesses, limits.MaxOutputBytes, limits.TmpBytes,
            limits.HasNetwork ? limits.Network : null);
    }

    /// <summary>
    /// limits.timeout, checked like the sandbox checks it: a malformed Duration or one over a day
    /// (<see cref="LimitResolver.AbsurdTimeoutSeconds"/>) is INVALID_ARGUMENT here rather than an INVALID
    /// execution later. Up to a day it is accepted and the sandbox caps it at the operator's maximum.
    /// </summary>
    private static TimeSpan? Timeout(Google.Protobuf.WellKnownTypes.Duration? timeout)
    {
        if (timeout is null)
        {
            return null;
        }

        var (seconds, nanos) = (timeout.Seconds, timeout.Nanos);
        var normalized = seconds is >= Google.Protobuf.WellKnownTypes.Duration.MinSeconds and <= Google.Protobuf.WellKnownTypes.Duration.MaxSeconds
            && nanos is > -NanosPerSecond and < NanosPerSecond
            && (seconds == 0 || nanos == 0 || (seconds < 0) == (nanos < 0));
        if (!normalized)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"limits.timeout is not a valid duration (seconds {seconds}, nanos {nanos}): nanos must be in (-1e9, 1e9) with the sign of seconds."));
        }

        var value = timeout.ToTimeSpan();
        return value.TotalSeconds <= LimitResolver.AbsurdTimeoutSeconds
            ? value
            : throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"limits.timeout of {value.TotalSeconds:0.###} s is over a day ({LimitResolver.AbsurdTimeoutSeconds:0} s), which is never a real limit; values up to that are capped at the operator's maximum wall clock."));
    }

    /// <summary>Message limits → sandbox overrides.</summary>
    public static LimitOverrides? Limits(Contracts.Messages.RunLimits? limits) =>
        limits is null ? null : ToOverrides(limits.Timeout, limits.MemoryBytes ?? 0, limits.MaxProcesses ?? 0, limits.MaxOutputBytes ?? 0, limits.TmpBytes ?? 0, limits.AllowNetwork);

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
            MemoryMb = InUnits(memoryBytes, 1024 * 1024),
            Processes = processes > 0 ? processes : null,
            OutputKb = InUnits(outputBytes, 1024),
            TmpfsMb = InUnits(tmpBytes, 1024 * 1024),
            Network = network,
        };
        return overrides == new LimitOverrides() ? null : overrides;
    }

    // Bytes → whole units, at least 1; clamped to int rather than wrapped, so that a huge request
    // (say long.MaxValue) stays huge and is capped by the operator's maxima instead of turning negative.
    private static int? InUnits(long bytes, long unit) => bytes > 0 ? (int)Math.Clamp(bytes / unit, 1, int.MaxValue) : null;

    // \z, not $: in .NET '$' also matches before a final '\n', so "abc\n" would pass.
    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,63}\z")]
    private static partial Regex NamePattern();
}
