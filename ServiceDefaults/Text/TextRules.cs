using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace ScriptPlatform.ServiceDefaults.Text;

/// <summary>
/// What every text a service receives must be, whatever the field: no NUL (Postgres <c>text</c> and
/// <c>jsonb</c> cannot hold U+0000; it fails as SQLSTATE 22021 mid-transaction) and valid UTF-16 (an
/// unpaired surrogate has no UTF-8 form, so Npgsql cannot encode it). Checked generically over a
/// message's descriptor, so a field added to a request later is covered without anyone remembering to.
/// </summary>
public static class TextRules
{
    /// <summary>How much of a caller's value an error message repeats: enough to recognise it, never the whole input.</summary>
    public const int ShownLength = 40;

    /// <summary>Null when every string in <paramref name="message"/> (nested messages, lists and maps included) is storable, else what is wrong, naming the field.</summary>
    public static string? FirstInvalid(IMessage message, string prefix = "") =>
        // The common case (every string fine) walks without building a field path per element: a request
        // with a million list elements would otherwise allocate millions of path strings just to pass.
        AllValid(message) ? null : FirstInvalidWithPath(message, prefix);

    private static string? FirstInvalidWithPath(IMessage message, string prefix)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            var problem = FirstInvalid(field, field.Accessor.GetValue(message), prefix + field.Name);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    /// <summary>Null when <paramref name="value"/> is storable text, else what is wrong with <paramref name="field"/>.</summary>
    public static string? Validate(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var nul = value.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0)
        {
            return $"{field} contains a NUL character (U+0000) at position {nul}; text cannot hold one (is it binary data?)";
        }

        var surrogate = UnpairedSurrogate(value);
        return surrogate < 0 ? null
            : $"{field} contains an unpaired surrogate (U+{(int)value[surrogate]:X4}) at position {surrogate}, which is not valid Unicode; send UTF-8 text";
    }

    // C0 (NUL included), DEL and C1: what char.IsControl calls control characters.
    private static readonly System.Buffers.SearchValues<char> ControlCharacters =
        System.Buffers.SearchValues.Create(Enumerable.Range(0, 0xA0).Select(i => (char)i).Where(char.IsControl).ToArray());

    /// <summary>
    /// Null when <paramref name="value"/> is a one-line label (a caller, a reason) of at most
    /// <paramref name="maxLength"/> characters with no control characters, which only garble logs and
    /// cards; else what is wrong with <paramref name="field"/>.
    /// </summary>
    public static string? LabelProblem(string value, string field, int maxLength)
    {
        if (value.Length > maxLength)
        {
            return $"{field} is {value.Length} characters; at most {maxLength} are accepted.";
        }

        var control = value.AsSpan().IndexOfAny(ControlCharacters);
        return control < 0 ? null
            : $"{field} contains the control character U+{(int)value[control]:X4} at position {control}; use printable text only.";
    }

    /// <summary>
    /// A caller's value as an error message may quote it: at most <see cref="ShownLength"/> characters
    /// and no control characters. Echoing a whole 100,000-character value would put it in the
    /// grpc-message trailer, which clients refuse once it passes their header limit (the call then
    /// never completes).
    /// </summary>
    public static string Shown(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, ShownLength)))
        {
            text.Append(char.IsControl(c) || char.IsSurrogate(c) ? '?' : c);
        }

        return value.Length <= ShownLength ? text.ToString() : text.Append($"… ({value.Length:N0} characters)").ToString();
    }

    private static string? FirstInvalid(FieldDescriptor field, object? value, string path) => value switch
    {
        string text => Validate(text, path),
        IMessage nested => FirstInvalidWithPath(nested, path + "."),
        IDictionary map when field.IsMap => FirstInvalidInMap(field, map, path),
        IList list when field.IsRepeated => FirstInvalidInList(field, list, path),
        _ => null,
    };

    private static string? FirstInvalidInList(FieldDescriptor field, IList list, string path)
    {
        for (var i = 0; i < list.Count; i++)
        {
            var problem = FirstInvalid(field, list[i], $"{path}[{i}]");
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? FirstInvalidInMap(FieldDescriptor field, IDictionary map, string path)
    {
        foreach (DictionaryEntry entry in map)
        {
            var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture);
            var problem = Validate(key, $"{path} key") ?? FirstInvalid(field, entry.Value, $"{path}[{Shown(key)}]");
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static bool AllValid(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            // Numbers, booleans and bytes hold no text (and reading a list of them boxes every element).
            if (field.FieldType is FieldType.String or FieldType.Message or FieldType.Group && !AllValid(field.Accessor.GetValue(message)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AllValid(object? value)
    {
        switch (value)
        {
            case string text:
                return text.Length == 0 || (!text.Contains('\0', StringComparison.Ordinal) && UnpairedSurrogate(text) < 0);
            case IMessage nested:
                return AllValid(nested);
            case IDictionary map:
                foreach (DictionaryEntry entry in map)
                {
                    if (!AllValid(Convert.ToString(entry.Key, CultureInfo.InvariantCulture)) || !AllValid(entry.Value))
                    {
                        return false;
                    }
                }

                return true;
            case IList list:
                foreach (var item in list)
                {
                    if (!AllValid(item))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    // Index of the first surrogate without its partner, or -1; the vectorised search skips the common case.
    private static int UnpairedSurrogate(string value)
    {
        var first = value.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return -1;
        }

        for (var i = first; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
