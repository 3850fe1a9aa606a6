using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using ScriptPlatform.Generation.Drafting;
using ScriptPlatform.ServiceDefaults.Text;

namespace ScriptPlatform.Generation.Grpc;

/// <summary>
/// The limits on what callers send, each refusal INVALID_ARGUMENT with what to change. NUL characters
/// and unpaired surrogates never get here: ServiceDefaults' RequestTextInterceptor refuses them for every
/// field first. A message quotes a caller's value only through <see cref="TextRules.Shown"/>.
/// </summary>
public static partial class RequestRules
{
    /// <summary>Descriptions and instructions: a request, not a document.</summary>
    public const int MaxTextBytes = 4 * 1024;

    /// <summary>Existing script content (the Registry's limit).</summary>
    public const int MaxContentBytes = 256 * 1024;

    public const int MaxExampleParamsBytes = 64 * 1024;

    public const int MaxEmbedTexts = 256;

    public const int MaxEmbedTextBytes = 8 * 1024;

    public const int MaxSummaryWords = 200;

    /// <summary>The Registry's longest version string.</summary>
    public const int MaxVersionLength = 64;

    /// <param name="whatToSend">What the caller should put in the field, ending the message about an empty one.</param>
    public static string RequiredText(string value, string field, string whatToSend, int maxBytes = MaxTextBytes)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid($"{field} is empty; {whatToSend}");
        }

        return BoundedText(value, field, maxBytes);
    }

    public static string BoundedText(string value, string field, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > maxBytes)
        {
            throw Invalid($"{field} is {bytes:N0} bytes; at most {maxBytes:N0} are allowed");
        }

        return value;
    }

    /// <summary>Null when empty; else a lower-case identifier (category "math", task "addition").</summary>
    public static string? OptionalIdentifier(string value, string field, int maxLength)
    {
        if (value.Length == 0)
        {
            return null;
        }

        if (value.Length > maxLength || !Identifier().IsMatch(value))
        {
            throw Invalid($"{field} '{TextRules.Shown(value)}' must be lower-case ASCII letters, digits and '_', start with a letter, and be at most {maxLength} characters");
        }

        return value;
    }

    /// <summary>Null when empty; else the compact text of a JSON object.</summary>
    public static string? OptionalJsonObject(string value, string field)
    {
        if (value.Length == 0)
        {
            return null;
        }

        BoundedText(value, field, MaxExampleParamsBytes);
        try
        {
            using var document = JsonDocument.Parse(value);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.GetRawText()
                : throw Invalid($"{field} must be a JSON object such as {{\"a\": 2, \"b\": 3}}, not a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
        }
        catch (JsonException e)
        {
            throw Invalid($"{field} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Null when empty; else a version X.Y.Z (a pre-release or build suffix allowed), as the Registry names versions.</summary>
    public static string? OptionalVersion(string value, string field)
    {
        if (value.Length == 0)
        {
            return null;
        }

        // The length is checked before the pattern runs.
        if (value.Length > MaxVersionLength || !Revisions.IsVersion(value))
        {
            throw Invalid($"{field} '{TextRules.Shown(value)}' is not a version: give the script's current version as X.Y.Z (for example 1.2.0), or leave it empty");
        }

        return value;
    }

    public static int Repairs(int requested, int defaultRepairs, int cap) => requested switch
    {
        0 => defaultRepairs,
        < 0 => throw Invalid("max_repairs must not be negative (0 means the service default)"),
        _ when requested > cap => throw Invalid($"max_repairs is {requested}; at most {cap} repair attempts are allowed"),
        _ => requested,
    };

    /// <summary>The most actions one Classify may offer the model.</summary>
    public const int MaxAllowedActions = 32;

    /// <summary>Classify's allowed actions: 1 to <see cref="MaxAllowedActions"/> distinct lower-case words (at most 32 characters each).</summary>
    public static IReadOnlyList<string> AllowedActions(IReadOnlyList<string> actions)
    {
        if (actions.Count == 0)
        {
            throw Invalid("allowed_actions is empty; list the actions the answer may name, for example \"run\" and \"search\"");
        }

        if (actions.Count > MaxAllowedActions)
        {
            throw Invalid($"allowed_actions has {actions.Count} entries; at most {MaxAllowedActions} are allowed");
        }

        for (var i = 0; i < actions.Count; i++)
        {
            OptionalIdentifier(actions[i], $"allowed_actions[{i}]", 32);
            if (actions[i].Length == 0)
            {
                throw Invalid($"allowed_actions[{i}] is empty; every entry names an action");
            }
        }

        var repeated = actions.GroupBy(a => a, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return repeated is null ? actions : throw Invalid($"allowed_actions names '{repeated.Key}' twice; list each action once");
    }

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    [GeneratedRegex(@"^[a-z][a-z0-9_]*\z")]
    private static partial Regex Identifier();
}
