using System.Collections;
using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Xunit;

namespace ScriptPlatform.Testing.BadInput;

/// <summary>
/// Issue 17's bad-input sweep, generated from a service descriptor so that a new rpc or field is swept
/// without anyone adding it: every rpc, every string field of its request (and of messages one level
/// down) with each hostile string, every numeric field with -1, 0, its maximum (and NaN for floating
/// point). A repeated message field (Intent's attachments, a batch's items) gets a huge count of
/// elements, and every one of those malformations inside one element (path <c>field[0].name</c>),
/// swept like a request of its own. A case is (rpc, field path, value name); a service's sweep builds
/// the valid request the case changes in one field, calls it through <see cref="DescriptorCaller"/>
/// and checks the answer.
/// </summary>
public static class BadInputSweep
{
    /// <summary>
    /// A lone surrogate has no UTF-8 form, so the typed client cannot send one. The request is encoded
    /// with this private-use character instead, whose three UTF-8 bytes <see cref="DescriptorCaller"/>
    /// replaces by ED A0 80: U+D800 as a careless encoder (CESU-8, WTF-8) writes it. Google.Protobuf 3.36
    /// on the server refuses those bytes as invalid UTF-8 while parsing (INVALID_ARGUMENT from the strict
    /// binding), so no handler ever sees the surrogate; TextRules refuses one that reaches a handler some other way.
    /// </summary>
    public const char LoneSurrogatePlaceholder = '\uE000';

    private static readonly string[] StringValues = ["empty", "NUL", "trailing newline", "lone surrogate", "100k characters", "control characters"];

    /// <summary>
    /// The count case of a repeated message field: 200,000 empty elements, twice the longest list any
    /// service accepts (the Executor's 100,000 batch jobs). Empty, so the request stays at about 400 KB,
    /// under every service's receive limit: the handler itself meets the count and must refuse it before
    /// doing work per element. (A million was tried: parsing alone then passed the one-second bound on a
    /// loaded two-core machine, whatever the handler did.)
    /// </summary>
    public const string HugeCount = "200k elements";

    private const int HugeCountElements = 200_000;

    /// <summary>Nesting depth at which the walk stops (a message type that contains itself).</summary>
    private const int MaxDepth = 4;

    /// <summary>How long an answer may take.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs one case against <paramref name="target"/>: null when the answer is what the sweep demands,
    /// else what is wrong. The answer must be a specific status, never UNKNOWN or INTERNAL, nor a
    /// transport failure (as when a message repeating 100k characters passed the client's header
    /// limit: UNAVAILABLE) or a call outliving its deadline; it must come within <see cref="Bound"/>;
    /// and a refusal must leave every table's row count as it was.
    /// </summary>
    public static async Task<string?> RunAsync(ISweepTarget target, string rpc, string field, string value)
    {
        var request = Apply(target.Service, rpc, await target.BaseRequestAsync(rpc, field), field, value);
        var before = await target.SettledRowCountsAsync();

        var watch = Stopwatch.StartNew();
        var (status, detail) = await target.CallAsync(rpc, request);
        watch.Stop();

        var what = $"{rpc} {field}={value}: {status} \"{(detail.Length > 200 ? detail[..200] + "…" : detail)}\"";
        if (status is StatusCode.Unknown or StatusCode.Internal or StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled)
        {
            return what;
        }

        if (watch.Elapsed >= Bound)
        {
            return $"{what} took {watch.Elapsed.TotalMilliseconds:0} ms";
        }

        var after = status == StatusCode.OK ? before : await target.RowCountsAsync();
        var changed = before.Keys.Union(after.Keys).Where(t => before.GetValueOrDefault(t) != after.GetValueOrDefault(t)).ToList();
        return changed.Count == 0 ? null
            : $"{what} was refused but changed {string.Join(", ", changed.Select(t => $"{t} {before.GetValueOrDefault(t)} → {after.GetValueOrDefault(t)}"))}";
    }

    /// <summary>Every (rpc, field path, value name) of <paramref name="service"/>.</summary>
    public static TheoryData<string, string, string> Cases(ServiceDescriptor service)
    {
        var cases = new TheoryData<string, string, string>();
        foreach (var method in service.Methods)
        {
            foreach (var (path, field) in SweptFields(method.InputType))
            {
                foreach (var value in ValuesFor(field))
                {
                    cases.Add(method.Name, path, value);
                }
            }
        }

        return cases;
    }

    /// <summary>A copy of <paramref name="request"/> (a valid request of <paramref name="rpc"/>) with the case's value in the case's field.</summary>
    public static IMessage Apply(ServiceDescriptor service, string rpc, IMessage request, string path, string value)
    {
        var field = SweptFields(service.FindMethodByName(rpc).InputType).Single(f => f.Path == path).Field;
        return With(request, path, Value(value, field));
    }

    /// <summary>The value a case's name stands for, typed for <paramref name="field"/>.</summary>
    public static object Value(string name, FieldDescriptor field) => name switch
    {
        HugeCount => Enumerable.Range(0, HugeCountElements).Select(_ => field.MessageType.Parser.ParseFrom(ByteString.Empty)).ToList(),
        "empty" => "",
        "NUL" => "\0",
        "trailing newline" => "abc\n",
        "lone surrogate" => LoneSurrogatePlaceholder.ToString(),
        "100k characters" => new string('a', 100_000),
        "control characters" => "\u0001\u0007",
        _ => Number(name, field),
    };

    /// <summary>
    /// A copy of <paramref name="request"/> with one (possibly nested) field set; a list becomes that one
    /// value (or those values: the count case). A segment <c>name[0]</c> goes into the first element of a
    /// repeated message field, adding one when the list is empty. Setting a member of a oneof selects it,
    /// so a case may switch a request's source.
    /// </summary>
    public static IMessage With(IMessage request, string path, object value)
    {
        var copy = request.Descriptor.Parser.ParseFrom(request.ToByteString());
        var target = copy;
        var names = path.Split('.');
        foreach (var segment in names[..^1])
        {
            var name = segment.EndsWith("[0]", StringComparison.Ordinal) ? segment[..^3] : segment;
            var parent = target.Descriptor.FindFieldByName(name);
            IMessage nested;
            if (parent.IsRepeated)
            {
                var list = (IList)parent.Accessor.GetValue(target);
                if (list.Count == 0)
                {
                    list.Add(parent.MessageType.Parser.ParseFrom(ByteString.Empty));
                }

                nested = (IMessage)list[0]!;
            }
            else
            {
                nested = (IMessage?)parent.Accessor.GetValue(target) ?? parent.MessageType.Parser.ParseFrom(ByteString.Empty);
                parent.Accessor.SetValue(target, nested);
            }

            target = nested;
        }

        var field = target.Descriptor.FindFieldByName(names[^1]);
        if (field.IsRepeated)
        {
            var list = (IList)field.Accessor.GetValue(target);
            list.Clear();
            foreach (var item in value is IList many ? many : new[] { value })
            {
                list.Add(item);
            }
        }
        else
        {
            field.Accessor.SetValue(target, value);
        }

        return copy;
    }

    // Strings and numbers of the request and of its singular message fields (one level down; a
    // well-known type such as Timestamp or Duration counts as a message like any other). A repeated
    // message field, wherever the walk meets it, is a case of its own (the count) and its element is
    // walked as a request is, under "name[0].".
    private static IEnumerable<(string Path, FieldDescriptor Field)> SweptFields(MessageDescriptor request) => SweptFields(request, "", 0);

    private static IEnumerable<(string Path, FieldDescriptor Field)> SweptFields(MessageDescriptor message, string prefix, int depth)
    {
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            if (IsRepeatedMessage(field))
            {
                yield return (prefix + field.Name, field);
                if (depth < MaxDepth)
                {
                    foreach (var inside in SweptFields(field.MessageType, $"{prefix}{field.Name}[0].", depth + 1))
                    {
                        yield return inside;
                    }
                }
            }
            else if (field.FieldType == FieldType.Message && !field.IsRepeated && !field.IsMap)
            {
                foreach (var nested in field.MessageType.Fields.InDeclarationOrder())
                {
                    if (IsSwept(nested))
                    {
                        yield return ($"{prefix}{field.Name}.{nested.Name}", nested);
                    }
                    else if (IsRepeatedMessage(nested) && depth < MaxDepth)
                    {
                        var path = $"{prefix}{field.Name}.{nested.Name}";
                        yield return (path, nested);
                        foreach (var inside in SweptFields(nested.MessageType, path + "[0].", depth + 1))
                        {
                            yield return inside;
                        }
                    }
                }
            }
            else if (IsSwept(field))
            {
                yield return (prefix + field.Name, field);
            }
        }
    }

    private static bool IsRepeatedMessage(FieldDescriptor field) => field.FieldType == FieldType.Message && field.IsRepeated && !field.IsMap;

    private static string[] ValuesFor(FieldDescriptor field) =>
        IsRepeatedMessage(field) ? [HugeCount] : field.FieldType == FieldType.String ? StringValues : NumericValues(field);

    private static bool IsSwept(FieldDescriptor field) => !field.IsMap && (field.FieldType == FieldType.String || IsNumeric(field));

    private static bool IsNumeric(FieldDescriptor field) => field.FieldType is FieldType.Int32 or FieldType.Int64 or FieldType.SInt32 or FieldType.SInt64
        or FieldType.SFixed32 or FieldType.SFixed64 or FieldType.UInt32 or FieldType.UInt64 or FieldType.Fixed32 or FieldType.Fixed64
        or FieldType.Double or FieldType.Float or FieldType.Enum;

    private static string[] NumericValues(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Double or FieldType.Float => ["-1", "0", "max", "NaN"],
        FieldType.UInt32 or FieldType.UInt64 or FieldType.Fixed32 or FieldType.Fixed64 => ["0", "max"],
        _ => ["-1", "0", "max"],
    };

    private static object Number(string name, FieldDescriptor field)
    {
        var max = name == "max";
        var number = name == "-1" ? -1 : 0;
        return field.FieldType switch
        {
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => max ? int.MaxValue : number,
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => max ? long.MaxValue : (long)number,
            FieldType.UInt32 or FieldType.Fixed32 => max ? uint.MaxValue : 0u,
            FieldType.UInt64 or FieldType.Fixed64 => max ? ulong.MaxValue : 0ul,
            FieldType.Double => name == "NaN" ? double.NaN : max ? double.MaxValue : number,
            FieldType.Float => name == "NaN" ? float.NaN : max ? float.MaxValue : number,
            // An enum takes any int32 on the wire; values the schema does not define are part of the sweep.
            FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, max ? int.MaxValue : number),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field.FieldType, "not a numeric field"),
        };
    }
}
