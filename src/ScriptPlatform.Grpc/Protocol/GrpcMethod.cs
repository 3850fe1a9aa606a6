using Google.Protobuf.Reflection;

namespace ScriptPlatform.Grpc.Protocol;

/// <summary>The names of one rpc, computed once from its descriptor.</summary>
internal sealed record GrpcMethod(string Service, string Name)
{
    /// <summary>The HTTP/2 :path, "/package.Service/Method".</summary>
    public string Path { get; } = $"/{Service}/{Name}";

    /// <summary>The span name the OpenTelemetry conventions ask for, "package.Service/Method".</summary>
    public string SpanName { get; } = $"{Service}/{Name}";

    public static GrpcMethod From(MethodDescriptor method) => new(method.Service.FullName, method.Name);
}
