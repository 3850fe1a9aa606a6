using System.Reflection;
using System.Text.Json;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Messages;

namespace ScriptPlatform.Contracts.Tests;

public sealed class MessageRecordTests
{
    private static readonly Assembly ContractsAssembly = typeof(RunScript).Assembly;

    private static IEnumerable<Type> MessageTypes() =>
        ContractsAssembly.GetExportedTypes().Where(t => t.Namespace == "ScriptPlatform.Contracts.Messages");

    public static TheoryData<string> MessageTypeNames() => [.. MessageTypes().Select(t => t.Name).Order()];

    [Fact]
    public void The_agreed_messages_exist()
    {
        var names = MessageTypes().Select(t => t.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "RunScript", "ScriptRunCompleted", "ScriptPublished", "BatchCompleted" }, names);
    }

    [Fact]
    public void Every_exported_type_of_the_contracts_assembly_lives_in_a_namespace()
    {
        // MassTransit derives message URNs from the namespace and rejects types without one.
        Assert.All(ContractsAssembly.GetExportedTypes(), t => Assert.False(string.IsNullOrEmpty(t.Namespace), t.FullName));
    }

    [Fact]
    public void Limits_from_before_the_network_switch_withhold_nothing()
    {
        // Such messages (and stored batch limits) always carried "network": false, meaning "not asked".
        var old = JsonSerializer.Deserialize<RunLimits>("""{"timeout": "00:00:05", "network": false}""", new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

        Assert.Null(old.AllowNetwork);
        Assert.Equal(TimeSpan.FromSeconds(5), old.Timeout);
    }

    [Theory]
    [MemberData(nameof(MessageTypeNames))]
    public void Every_message_is_a_sealed_immutable_record(string name)
    {
        var type = MessageTypes().Single(t => t.Name == name);
        Assert.True(type.IsSealed, name);
        Assert.NotNull(type.GetMethod("<Clone>$")); // compiler-generated for records only
        Assert.All(type.GetProperties(), p => Assert.True(p.SetMethod is null || p.SetMethod.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit)), $"{name}.{p.Name} is mutable"));
    }

    [Theory]
    [MemberData(nameof(MessageTypeNames))]
    public void Every_message_round_trips_through_system_text_json(string name)
    {
        // MassTransit 8 serialises with System.Text.Json through the records' constructors.
        var type = MessageTypes().Single(t => t.Name == name);
        var original = Sample(type);

        var json = JsonSerializer.Serialize(original, type);
        var parsed = JsonSerializer.Deserialize(json, type);
        Assert.Equal(original, parsed);
    }

    [Fact]
    public void Script_run_completed_tells_registry_runs_from_inline_ones()
    {
        var registry = new ScriptRunCompleted(Guid.NewGuid(), null, "math_addition_001", "1.0.0", "ab", ExecutionStatus.Success, TimeSpan.FromMilliseconds(20), 0, null, "cli", DateTimeOffset.UtcNow);
        Assert.True(registry.IsRegistryScript);
        Assert.False((registry with { ScriptName = "inline", Version = null }).IsRegistryScript);
    }

    private static object Sample(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var args = constructor.GetParameters().Select(p => SampleValue(p.ParameterType, p.Name!)).ToArray();
        return constructor.Invoke(args);
    }

    private static object? SampleValue(Type type, string name)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying switch
        {
            _ when underlying == typeof(string) => $"{name}-value",
            _ when underlying == typeof(Guid) => Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff"),
            _ when underlying == typeof(int) => 3,
            _ when underlying == typeof(long) => 5_000_000_000L,
            _ when underlying == typeof(double) => 0.125,
            _ when underlying == typeof(bool) => true,
            _ when underlying == typeof(TimeSpan) => TimeSpan.FromMilliseconds(1234),
            _ when underlying == typeof(DateTimeOffset) => new DateTimeOffset(2026, 11, 21, 6, 0, 0, TimeSpan.Zero),
            _ when underlying.IsEnum => Enum.GetValues(underlying).Cast<object>().Last(),
            _ when underlying.Namespace == "ScriptPlatform.Contracts.Messages" => Sample(underlying),
            _ => throw new NotSupportedException($"{name}: {type}"),
        };
    }
}
