using Aspire.Hosting.ApplicationModel;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ScriptPlatform.AppHost.Resources;

public static class PlatformServiceExtensions
{
    /// <summary>The endpoint every service serves gRPC on (h2c); named "http" so that service discovery resolves <c>http://name</c>.</summary>
    public const string GrpcEndpoint = "http";

    /// <summary>
    /// A service's gRPC endpoint on its fixed development port (bound by the service itself, so the
    /// address in ARCHITECTURE.md is the service), or on a port DCP picks and proxies when
    /// <paramref name="port"/> is null (replicas), and a health check that asks the service's own
    /// <c>grpc.health.v1.Health</c>, which follows its readiness (Postgres, RabbitMQ).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGrpcEndpoint(this IResourceBuilder<ProjectResource> service, int? port)
    {
        service.WithEndpoint(GrpcEndpoint, endpoint =>
        {
            endpoint.UriScheme = "http";
            endpoint.Transport = "http2";
            endpoint.Port = port;
            endpoint.TargetPort = port;
            endpoint.IsProxied = port is null;
        });

        var healthKey = $"{service.Resource.Name}-grpc-health";
        var endpoint = service.GetEndpoint(GrpcEndpoint);
        service.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthKey,
            _ => new GrpcHealthCheck(endpoint), HealthStatus.Unhealthy, []));
        return service.WithHealthCheck(healthKey);
    }
}

/// <summary>Healthy when the service answers <c>grpc.health.v1.Health/Check</c> with SERVING.</summary>
internal sealed class GrpcHealthCheck(EndpointReference endpoint) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var channel = GrpcChannel.ForAddress(endpoint.Url);
            var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: cancellationToken);
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"grpc.health.v1 says {reply.Status}");
        }
        catch (Grpc.Core.RpcException e)
        {
            return HealthCheckResult.Unhealthy($"grpc.health.v1 does not answer: {e.Status.Detail}", e);
        }
    }
}

public static class PlatformWiring
{
    /// <summary>The port a service binds (<c>AppHost:Services:NAME:Port</c>), by default the one in ARCHITECTURE.md.</summary>
    public static int ServicePort(this IConfigurationSection settings, string service) =>
        settings.GetValue<int?>($"Services:{service}:Port") ?? ScriptPlatform.Contracts.Grpc.PlatformServices.DefaultPort(service);

    /// <summary>The service's own database as <c>ConnectionStrings:postgres</c>, once it exists.</summary>
    public static IResourceBuilder<ProjectResource> WithDatabase(this IResourceBuilder<ProjectResource> service, IResourceBuilder<ServiceDatabaseResource> database) =>
        service.WithReference(database, connectionName: "postgres").WaitFor(database);

    /// <summary>The broker as <c>ConnectionStrings:rabbitmq</c>, once it accepts AMQP.</summary>
    public static IResourceBuilder<ProjectResource> WithBroker(this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString> broker) =>
        service.WithReference(broker, connectionName: "rabbitmq").WaitFor(broker);

    /// <summary>An external Qdrant (<c>ConnectionStrings:qdrant</c> of the AppHost) handed on when one is configured.</summary>
    public static IResourceBuilder<ProjectResource> WithQdrantWhenConfigured(this IResourceBuilder<ProjectResource> service)
    {
        var builder = service.ApplicationBuilder;
        return string.IsNullOrEmpty(builder.Configuration.GetConnectionString("qdrant"))
            ? service
            : service.WithReference(builder.AddConnectionString("qdrant"));
    }

    /// <summary>
    /// A model role of the Generation service ("drafting", "refining", "embeddings") from the AppHost's parameters
    /// <c>generation-ROLE-endpoint</c>, <c>-model</c> and the secret <c>-key</c> (<c>Parameters:generation-drafting-endpoint</c>
    /// in configuration or user secrets). No endpoint: nothing is passed, and the service runs without that model
    /// (no drafting model: Generate returns labelled scaffolds).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithModelParametersWhenConfigured(this IResourceBuilder<ProjectResource> service, string role)
    {
        var builder = service.ApplicationBuilder;
        var prefix = $"generation-{role}";
        if (string.IsNullOrWhiteSpace(builder.Configuration[$"Parameters:{prefix}-endpoint"]))
        {
            return service;
        }

        var section = $"ScriptPlatform__Generation__{char.ToUpperInvariant(role[0])}{role[1..]}__";
        service.WithEnvironment(section + "Endpoint", builder.AddParameter($"{prefix}-endpoint"))
            .WithEnvironment(section + "Model", builder.AddParameter($"{prefix}-model"));
        return string.IsNullOrEmpty(builder.Configuration[$"Parameters:{prefix}-key"])
            ? service
            : service.WithEnvironment(section + "ApiKey", builder.AddParameter($"{prefix}-key", secret: true));
    }
}
