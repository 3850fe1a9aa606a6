using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace ScriptPlatform.Grpc.Server.Internal;

/// <summary>
/// Server-wide state built while services are mapped: the resolved options and interceptors, and the
/// descriptors of every mapped service (what reflection and health report).
/// </summary>
internal sealed class GrpcServiceRegistry(IOptions<GrpcServerOptions> options, IServiceProvider services)
{
    private readonly List<ServiceDescriptor> _services = [];
    private IReadOnlyList<Interceptor>? _interceptors;

    public ServerCallOptions CallOptions { get; } = new(
        options.Value.MaxReceiveMessageSize,
        options.Value.MaxSendMessageSize ?? int.MaxValue,
        options.Value.EnableDetailedErrors);

    public IReadOnlyList<Interceptor> Interceptors =>
        _interceptors ??= options.Value.Interceptors.Select(create => create(services)).ToArray();

    public IReadOnlyList<ServiceDescriptor> Services => _services;

    /// <summary>Whether the catch-all UNIMPLEMENTED endpoint for unknown services is mapped yet.</summary>
    public bool UnknownServiceEndpointMapped { get; set; }

    public void Add(ServiceDescriptor service)
    {
        if (_services.Any(s => s.FullName == service.FullName))
        {
            throw new InvalidOperationException($"gRPC service {service.FullName} is mapped twice.");
        }

        _services.Add(service);
    }

    public static GrpcServiceRegistry From(IServiceProvider services) =>
        services.GetService<GrpcServiceRegistry>()
        ?? throw new InvalidOperationException("Call services.AddGrpcServer() before mapping gRPC services.");
}
