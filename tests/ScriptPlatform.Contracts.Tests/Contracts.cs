using Google.Protobuf.Reflection;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Contracts.Tests;

/// <summary>The contract surface in one place: every proto file, and each service with its generated client.</summary>
internal static class Contracts
{
    public static readonly FileDescriptor[] Files =
    [
        CommonReflection.Descriptor,
        RegistryReflection.Descriptor,
        ExecutorReflection.Descriptor,
        GenerationReflection.Descriptor,
        IntentReflection.Descriptor,
    ];

    public static readonly (Type Client, ServiceDescriptor Service)[] Clients =
    [
        (typeof(RegistryService.RegistryServiceClient), RegistryService.Descriptor),
        (typeof(ExecutorService.ExecutorServiceClient), ExecutorService.Descriptor),
        (typeof(GenerationService.GenerationServiceClient), GenerationService.Descriptor),
        (typeof(IntentService.IntentServiceClient), IntentService.Descriptor),
    ];

    public static IEnumerable<MessageDescriptor> AllMessages() =>
        Files.SelectMany(f => f.MessageTypes).SelectMany(Flatten);

    public static IEnumerable<EnumDescriptor> AllEnums() =>
        Files.SelectMany(f => f.EnumTypes.Concat(f.MessageTypes.SelectMany(Flatten).SelectMany(m => m.EnumTypes)));

    private static IEnumerable<MessageDescriptor> Flatten(MessageDescriptor message) =>
        new[] { message }.Concat(message.NestedTypes.SelectMany(Flatten));

    /// <summary>The repository's protos/ folder, found by walking up from the test binaries.</summary>
    public static string ProtoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "protos", "scriptplatform");
            if (Directory.Exists(candidate))
            {
                return Path.Combine(dir.FullName, "protos");
            }
        }

        throw new DirectoryNotFoundException($"No protos/scriptplatform above {AppContext.BaseDirectory}");
    }
}
