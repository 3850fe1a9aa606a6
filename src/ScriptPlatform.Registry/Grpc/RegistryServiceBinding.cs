using Grpc.Core;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Registry.Grpc;

/// <summary>Binds <see cref="RegistryGrpcService"/> with requests that fail to parse answered INVALID_ARGUMENT.</summary>
public static class RegistryServiceBinding
{
    /// <summary>What server reflection describes.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => RegistryService.Descriptor;

    public static void BindService(ServiceBinderBase binder, RegistryService.RegistryServiceBase? service) =>
        RegistryService.BindService(new StrictParsingBinder(binder), service);
}
