using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ScriptPlatform.Grpc.Health;
using ScriptPlatform.Grpc.Reflection;
using ScriptPlatform.Grpc.Server.Internal;

namespace ScriptPlatform.Grpc;

public static class GrpcServiceCollectionExtensions
{
    /// <summary>
    /// Registers the gRPC server: options, interceptors, health status (fed by ASP.NET Core health
    /// checks when the app adds them) and reflection.
    /// </summary>
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthCheckPublisher, GrpcHealthCheckPublisher>());
        services.TryAddSingleton<ReflectionIndex>();
        return services;
    }
}
