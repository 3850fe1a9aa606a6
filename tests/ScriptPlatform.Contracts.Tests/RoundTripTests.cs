using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace ScriptPlatform.Contracts.Tests;

public sealed class RoundTripTests
{
    public static TheoryData<string> MessageNames() => [.. Contracts.AllMessages().Select(m => m.FullName).Order()];

    private static MessageDescriptor Find(string fullName) => Contracts.AllMessages().Single(m => m.FullName == fullName);

    [Theory]
    [MemberData(nameof(MessageNames))]
    public void Every_message_round_trips_through_binary_serialisation(string fullName)
    {
        var original = Populate(Find(fullName), depth: 0);
        var bytes = original.ToByteArray();
        // A message without fields (WhoAmIRequest) is rightly zero bytes on the wire.
        if (Find(fullName).Fields.InDeclarationOrder().Count > 0)
        {
            Assert.NotEmpty(bytes);
        }

        var parsed = Find(fullName).Parser.ParseFrom(bytes);
        Assert.Equal(original, parsed);
    }

    [Theory]
    [MemberData(nameof(MessageNames))]
    public void Every_message_round_trips_through_proto_json(string fullName)
    {
        // What grpcurl, the CLI's --json output and non-.NET clients see.
        var original = Populate(Find(fullName), depth: 0);
        var json = JsonFormatter.Default.Format(original);

        var parsed = JsonParser.Default.Parse(json, Find(fullName));
        Assert.Equal(original, parsed);
    }

    [Fact]
    public void Params_json_keeps_big_integers_and_decimals_exactly()
    {
        // Why params travel as JSON text rather than google.protobuf.Struct (whose numbers are doubles).
        const string Params = """{"id":12345678901234567890,"price":0.1000000000000000055511151231257827}""";
        var request = new Executor.V1.RunRequest { Script = new Common.V1.ScriptRef { Name = "math_addition_001" }, ParamsJson = Params };

        var parsed = Executor.V1.RunRequest.Parser.ParseFrom(request.ToByteArray());
        Assert.Equal(Params, parsed.ParamsJson);
        Assert.Equal(Executor.V1.RunRequest.SourceOneofCase.Script, parsed.SourceCase);
    }

    [Fact]
    public void An_unset_budget_is_distinguishable_from_a_zero_budget()
    {
        var none = Executor.V1.RunRequest.Parser.ParseFrom(new Executor.V1.RunRequest().ToByteArray());
        var zero = Executor.V1.RunRequest.Parser.ParseFrom(new Executor.V1.RunRequest { BudgetUsd = 0 }.ToByteArray());
        Assert.False(none.HasBudgetUsd);
        Assert.True(zero.HasBudgetUsd);
    }

    /// <summary>A message with every field set to a non-default value (nested messages to a few levels).</summary>
    private static IMessage Populate(MessageDescriptor descriptor, int depth)
    {
        var message = descriptor.Parser.ParseFrom(ByteString.Empty);
        if (descriptor.ClrType == typeof(Timestamp))
        {
            return Timestamp.FromDateTime(new DateTime(2026, 11, 21, 6, 0, 0, 123, DateTimeKind.Utc));
        }

        if (descriptor.ClrType == typeof(Duration))
        {
            return Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1500));
        }

        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            // Only the first member of a real oneof, so every message still carries all its other fields.
            if (field.RealContainingOneof is { } oneof && oneof.Fields[0] != field)
            {
                continue;
            }

            if (field.FieldType is FieldType.Message or FieldType.Group && depth >= 3)
            {
                continue;
            }

            var value = Sample(field, depth);
            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                list.Add(value);
                list.Add(value);
            }
            else
            {
                field.Accessor.SetValue(message, value);
            }
        }

        return message;
    }

    private static object Sample(FieldDescriptor field, int depth) => field.FieldType switch
    {
        FieldType.Double => 1.25 + field.FieldNumber,
        FieldType.Float => 0.5f + field.FieldNumber,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 1_000_000_000_000L + field.FieldNumber,
        FieldType.UInt64 or FieldType.Fixed64 => 1_000_000_000_000UL + (ulong)field.FieldNumber,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => 40 + field.FieldNumber,
        FieldType.UInt32 or FieldType.Fixed32 => 40u + (uint)field.FieldNumber,
        FieldType.Bool => true,
        FieldType.String => $"{field.Name} ✓ {field.FieldNumber}",
        FieldType.Bytes => ByteString.CopyFromUtf8(field.Name),
        FieldType.Enum => System.Enum.ToObject(field.EnumType.ClrType, field.EnumType.Values[^1].Number),
        FieldType.Message => Populate(field.MessageType, depth + 1),
        _ => throw new NotSupportedException($"{field.FullName}: {field.FieldType}"),
    };
}
