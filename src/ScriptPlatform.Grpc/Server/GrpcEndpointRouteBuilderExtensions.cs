using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Grpc.Health;
using ScriptPlatform.Grpc.Protocol;
using ScriptPlatform.Grpc.Reflection;
using ScriptPlatform.Grpc.Server.Internal;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace ScriptPlatform.Grpc;

public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps every rpc of <paramref name="descriptor"/> to the method of <typeparamref name="TService"/>
    /// with the rpc's name, at "/package.Service/Method". An rpc without a method answers UNIMPLEMENTED;
    /// a method with the wrong signature fails here, at start-up. The service comes from the request's
    /// DI scope (or is created per call with dependencies from it). Marks the service SERVING.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints, ServiceDescriptor descriptor)
        where TService : class
    {
        var services = endpoints.ServiceProvider;
        var registry = GrpcServiceRegistry.From(services);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("ScriptPlatform.Grpc.Server");
        var activator = new ServiceActivator<TService>(services);
        registry.Add(descriptor);

        var conventions = new CompositeConventionBuilder();
        foreach (var rpc in descriptor.Methods)
        {
            var setup = new ServerMethodSetup(GrpcMethod.From(rpc), registry.CallOptions, logger, registry.Interceptors);
            var handler = ServiceMethodBinder.CreateHandler(rpc, setup, activator);
            if (handler is UnimplementedCallHandler)
            {
                logger.LogWarning("gRPC rpc {Path} has no method {Method} on {Service}; it answers UNIMPLEMENTED.", setup.Method.Path, rpc.Name, typeof(TService).Name);
            }

            conventions.Add(endpoints.MapPost(setup.Method.Path, (RequestDelegate)handler.HandleCallAsync).WithDisplayName("gRPC " + setup.Method.Path));
        }

        MapUnknownServiceEndpoint(endpoints, registry, logger);
        services.GetRequiredService<GrpcHealthStatusService>().SetStatus(descriptor.FullName, HealthCheckResponse.Types.ServingStatus.Serving);
        return conventions;
    }

    /// <summary>grpc.health.v1.Health (Check and Watch), fed by <see cref="GrpcHealthStatusService"/>.</summary>
    public static IEndpointConventionBuilder MapGrpcHealthService(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGrpcService<HealthService>(HealthReflection.Descriptor.Services[0]);

    /// <summary>Server reflection, v1 and v1alpha, describing every mapped service.</summary>
    public static IEndpointConventionBuilder MapGrpcReflectionService(this IEndpointRouteBuilder endpoints)
    {
        var conventions = new CompositeConventionBuilder();
        conventions.Add(endpoints.MapGrpcService<ReflectionServiceV1>(global::Grpc.Reflection.V1.ReflectionReflection.Descriptor.Services[0]));
        conventions.Add(endpoints.MapGrpcService<ReflectionServiceV1Alpha>(global::Grpc.Reflection.V1Alpha.ReflectionReflection.Descriptor.Services[0]));
        return conventions;
    }

    /// <summary>Health and reflection: what every server of the platform answers.</summary>
    public static IEndpointRouteBuilder MapGrpcInfrastructure(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcHealthService();
        endpoints.MapGrpcReflectionService();
        return endpoints;
    }

    /// <summary>
    /// A gRPC call to a service nobody mapped gets UNIMPLEMENTED, as the spec asks, instead of a bare
    /// HTTP 404. Mapped last (highest order) so every real route wins.
    /// </summary>
    private static void MapUnknownServiceEndpoint(IEndpointRouteBuilder endpoints, GrpcServiceRegistry registry, ILogger logger)
    {
        if (registry.UnknownServiceEndpointMapped)
        {
            return;
        }

        registry.UnknownServiceEndpointMapped = true;
        endpoints.MapPost("/{service}/{method}", httpContext =>
            {
                var route = httpContext.Request.RouteValues;
                var method = new GrpcMethod(route["service"]?.ToString() ?? "", route["method"]?.ToString() ?? "");
                if (!GrpcProtocol.IsGrpcContentType(httpContext.Request.ContentType))
                {
                    httpContext.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return new UnimplementedCallHandler(new ServerMethodSetup(method, registry.CallOptions, logger, [])).HandleCallAsync(httpContext);
            })
            .WithDisplayName("gRPC unknown service")
            .Add(builder => ((RouteEndpointBuilder)builder).Order = int.MaxValue);
    }

    /// <summary>Applies conventions (auth, metadata) to every endpoint of a mapped service at once.</summary>
    private sealed class CompositeConventionBuilder : IEndpointConventionBuilder
    {
        private readonly List<IEndpointConventionBuilder> _builders = [];

        public void Add(IEndpointConventionBuilder builder) => _builders.Add(builder);

        public void Add(Action<EndpointBuilder> convention) => _builders.ForEach(b => b.Add(convention));

        public void Finally(Action<EndpointBuilder> finallyConvention) => _builders.ForEach(b => b.Finally(finallyConvention));
    }
}
