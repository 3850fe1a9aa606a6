using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ScriptPlatform.Grpc.Health;
using ScriptPlatform.Grpc.Reflection;
using ScriptPlatform.Grpc.Server.Internal;

namespace ScriptPlatform.Grpc;

public static class GrpcServiceCollectionExtensions
{
    /// <summary>Registers the gRPC server: options, interceptors, health status and reflection.</summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        var optionsBuilder = services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        services.AddRouting();
        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddSingleton<GrpcHealthStatusService>();
        services.TryAddSingleton<ReflectionIndex>();
        return services;
    }
}
