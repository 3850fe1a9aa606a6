using Grpc.Core;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Executor.Grpc;

/// <summary>Binds <see cref="ExecutorGrpcService"/> with requests that fail to parse answered INVALID_ARGUMENT.</summary>
public static class ExecutorServiceBinding
{
    /// <summary>What server reflection describes.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => ExecutorService.Descriptor;

    public static void BindService(ServiceBinderBase binder, ExecutorService.ExecutorServiceBase? service) =>
        ExecutorService.BindService(new StrictParsingBinder(binder), service);
}
