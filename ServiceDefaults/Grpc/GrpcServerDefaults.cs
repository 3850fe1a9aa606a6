using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ScriptPlatform.ServiceDefaults.Grpc;

/// <summary>
/// The platform's gRPC server conventions on grpc-dotnet: h2c endpoints, a 4 MiB receive limit
/// (RESOURCE_EXHAUSTED beyond it), gzip-compressed requests accepted, errors mapped to statuses a
/// caller can act on, request text Postgres cannot store refused, <c>grpc.health.v1.Health</c> following the readiness checks, and reflection.
/// </summary>
public static class GrpcServerDefaults
{
    /// <summary>The default receive limit; a service may raise it (<c>ScriptPlatform:Grpc:MaxReceiveMessageSize</c>).</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <param name="builder">The service's builder.</param>
    /// <param name="defaultPort">Loopback port to listen on when no address is configured (<c>Urls</c>,
    /// <c>ASPNETCORE_URLS</c>, <c>--urls</c>, as the AppHost sets it): the service's port in ARCHITECTURE.md.</param>
    /// <param name="maxReceiveMessageSize">Larger requests are RESOURCE_EXHAUSTED.</param>
    public static IGrpcServerBuilder AddGrpcServerDefaults(this WebApplicationBuilder builder, int? defaultPort = null, int maxReceiveMessageSize = DefaultMaxReceiveMessageSize)
    {
        if (defaultPort is { } port && string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Cleartext HTTP/2 with prior knowledge (h2c) is what gRPC clients speak without TLS.
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.AddServerHeader = false;
        });

        var grpc = builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = builder.Configuration.GetValue("ScriptPlatform:Grpc:MaxReceiveMessageSize", maxReceiveMessageSize);
            options.EnableDetailedErrors = builder.Environment.IsDevelopment();
            options.Interceptors.Add<ErrorMappingInterceptor>();
            // Before any service's own interceptors (authentication is a database or Registry call).
            options.Interceptors.Add<RequestTextInterceptor>();
        });
        builder.Services.AddGrpcReflection();

        // grpc.health.v1.Health answers from the same ASP.NET Core checks as /health, so gRPC
        // health follows readiness (Postgres, RabbitMQ) on every service.
        builder.Services.AddGrpcHealthChecks();
        return grpc;
    }

    /// <summary>Maps <c>grpc.health.v1.Health</c> and server reflection (v1 and v1alpha).</summary>
    public static WebApplication MapGrpcServerDefaults(this WebApplication app)
    {
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
