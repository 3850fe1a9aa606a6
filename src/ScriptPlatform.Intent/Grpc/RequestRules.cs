using System.Globalization;
using System.Text;
using Grpc.Core;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.ServiceDefaults.Text;

namespace ScriptPlatform.Intent.Grpc;

/// <summary>
/// What Intent's requests must look like, checked at the edge before any database or downstream call;
/// each refusal is INVALID_ARGUMENT with what to change. NUL characters and unpaired surrogates never
/// get here (ServiceDefaults' RequestTextInterceptor refuses them for every field first), and messages
/// quote a caller's value only through <see cref="TextRules.Shown"/>.
/// </summary>
public static class RequestRules
{
    /// <summary>Longest session, agent and confirmation id.</summary>
    public const int MaxIdLength = 128;

    /// <summary>Longest caller label: the Executor's limit, where a label ends up (it records it for an anonymous caller).</summary>
    public const int MaxCallerLength = 256;

    /// <summary>Free text a user says (an utterance, a confirmation's text): at most <paramref name="maxBytes"/> UTF-8 bytes, refused before any parsing.</summary>
    /// <param name="whatToSend">How to say it shorter, ending the message.</param>
    public static void Spoken(string value, string field, int maxBytes, string whatToSend)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > maxBytes)
        {
            throw Invalid($"{field} is {bytes} bytes; at most {maxBytes} bytes ({maxBytes / 1024} KiB) are accepted. {whatToSend}");
        }
    }

    /// <summary>An optional id: empty, or at most <see cref="MaxIdLength"/> characters of letters, digits and - _ . : @.</summary>
    public static void Id(string value, string field)
    {
        if (value.Length > MaxIdLength || value.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@')))
        {
            throw Invalid($"{field} '{TextRules.Shown(value)}' must be at most {MaxIdLength} characters of letters, digits and - _ . : @.");
        }
    }

    /// <summary>An optional caller label: printable text of at most <see cref="MaxCallerLength"/> characters.</summary>
    public static void Caller(string value, string field)
    {
        // The Executor's own rule for the label it records, so a label Intent accepts is never refused there.
        if (TextRules.LabelProblem(value, field, MaxCallerLength) is { } problem)
        {
            throw Invalid(problem);
        }
    }

    /// <summary>Longest attachment name: a file name, as file systems bound it.</summary>
    public const int MaxFileNameLength = 255;

    /// <summary>
    /// The files an utterance comes with: at most <paramref name="maxCount"/>, each named (the utterance
    /// finds its file by name) with a one-line name of at most <see cref="MaxFileNameLength"/> characters.
    /// Counted before any element is looked at, so a million of them cost nothing more. Their content is
    /// data, checked by whatever reads it (a batch's rows, a publish's source).
    /// </summary>
    public static void Attachments(IReadOnlyList<Attachment> attachments, int maxCount)
    {
        if (attachments.Count > maxCount)
        {
            throw Invalid($"attachments has {attachments.Count:N0} files; at most {maxCount} are accepted. Attach only the files the utterance names.");
        }

        for (var i = 0; i < attachments.Count; i++)
        {
            var field = $"attachments[{i}].name";
            if (string.IsNullOrWhiteSpace(attachments[i].Name))
            {
                throw Invalid($"{field} is empty: give the file's name as the utterance refers to it, for example \"rows.csv\".");
            }

            if (TextRules.LabelProblem(attachments[i].Name, field, MaxFileNameLength) is { } problem)
            {
                throw Invalid(problem);
            }
        }
    }

    /// <summary>An enum field carries any int32 on the wire; a number the schema does not define is refused, never taken for one it does.</summary>
    public static void Defined<TEnum>(TEnum value, string field)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            var known = string.Join(", ", Enum.GetValues<TEnum>().Select(v => $"{v} ({Convert.ToInt32(v, CultureInfo.InvariantCulture)})"));
            throw Invalid($"{field} {Convert.ToInt32(value, CultureInfo.InvariantCulture)} is not a {typeof(TEnum).Name} value; send one of {known}.");
        }
    }

    /// <summary>Intent answers lists in one page and issues no tokens, so any token is one it did not issue.</summary>
    public static void NoPageToken(string token, string field)
    {
        if (token.Length > 0)
        {
            throw Invalid($"{field} is not a token this service issued: it answers in one page and issues none, so leave it empty.");
        }
    }

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
