using Grpc.Core;

namespace ScriptPlatform.Registry.Domain;

/// <summary>The registry's failures as gRPC statuses with messages a person can act on.</summary>
public static class RegistryErrors
{
    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException NotFound(string message) => new(new Status(StatusCode.NotFound, message));

    public static RpcException AlreadyExists(string message) => new(new Status(StatusCode.AlreadyExists, message));

    public static RpcException FailedPrecondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    public static RpcException PermissionDenied(string message) => new(new Status(StatusCode.PermissionDenied, message));

    public static RpcException Unauthenticated(string message) => new(new Status(StatusCode.Unauthenticated, message));

    public static RpcException ResourceExhausted(string message) => new(new Status(StatusCode.ResourceExhausted, message));

    public static RpcException Unavailable(string message) => new(new Status(StatusCode.Unavailable, message));

    public static RpcException ScriptNotFound(string name) =>
        NotFound($"script '{name}' is not in the registry; search for it (sp search ...) or publish it first");
}
