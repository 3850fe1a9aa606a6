using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;
using ScriptPlatform.LocalResources;

namespace ScriptPlatform.AppHost.Resources;

/// <summary>A RabbitMQ node from the Debian package, run by DCP as an executable resource.</summary>
public sealed class LocalRabbitMqResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "amqp";

    private EndpointReference? _endpoint;

    public EndpointReference Endpoint => _endpoint ??= new(this, EndpointName);

    /// <summary>AMQP with the guest account, which RabbitMQ allows on loopback only.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://guest:guest@{Endpoint.Property(EndpointProperty.Host)}:{Endpoint.Property(EndpointProperty.Port)}/");
}

public static class LocalRabbitMqExtensions
{
    private const string RabbitBin = "/usr/lib/rabbitmq/bin";

    /// <summary>
    /// A RabbitMQ broker: the one at <c>ConnectionStrings:rabbitmq</c> when configured, a podman
    /// container in the container mode, otherwise a local node with its data under
    /// <paramref name="directory"/> and its own epmd as a resource of its own (Erlang would
    /// otherwise start a stray <c>epmd -daemon</c> that outlives everything).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRabbitMqBroker(this IDistributedApplicationBuilder builder, string name, string directory)
    {
        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(name)))
        {
            return builder.AddConnectionString(name);
        }

        if (builder.UsesContainers())
        {
            return builder.AddRabbitMqContainer(name, LocalPostgresExtensions.ContainerDataDirectory(directory));
        }

        if (!File.Exists(Path.Combine(RabbitBin, "rabbitmq-server")))
        {
            throw new InvalidOperationException("RabbitMQ is not installed (no /usr/lib/rabbitmq/bin/rabbitmq-server): run ./build.sh up, or apt-get install -y rabbitmq-server.");
        }

        Directory.CreateDirectory(directory);
        // epmd and distribution ports are bound by the Erlang processes themselves, not proxied by DCP.
        var epmdPort = FreePort.Next();
        var environment = LocalRabbitMq.NodeEnvironment(directory, amqpPort: 0, distributionPort: FreePort.Next(), epmdPort: epmdPort);
        environment.Remove("RABBITMQ_NODE_PORT");
        LocalRabbitMq.WriteNodeFiles(environment);

        var epmd = builder.AddExecutable($"{name}-epmd", File.Exists("/usr/bin/epmd") ? "/usr/bin/epmd" : "/usr/lib/erlang/bin/epmd", directory, "-port", epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-address", "127.0.0.1")
            .WithIconName("PlugConnected")
            .ExcludeFromManifest();

        var rabbit = builder.AddResource(new LocalRabbitMqResource(name, Path.Combine(RabbitBin, "rabbitmq-server"), directory))
            .WithEndpoint(name: LocalRabbitMqResource.EndpointName, env: "RABBITMQ_NODE_PORT", scheme: "tcp")
            .WithIconName("Mail")
            .WaitFor(epmd)
            .ExcludeFromManifest();
        foreach (var (key, value) in environment)
        {
            rabbit.WithEnvironment(key, value);
        }

        var healthKey = $"{name}-accepts-amqp";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthKey,
            _ => new RabbitMqHealthCheck(rabbit.Resource), HealthStatus.Unhealthy, []));
        return rabbit.WithHealthCheck(healthKey);
    }
}

/// <summary>Healthy once the broker completes an AMQP handshake (DCP's proxy accepts TCP long before).</summary>
internal sealed class RabbitMqHealthCheck(IResourceWithConnectionString resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var uri = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
            var factory = new ConnectionFactory { Uri = new Uri(uri!), RequestedConnectionTimeout = TimeSpan.FromSeconds(3) };
            await using var connection = await factory.CreateConnectionAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
        {
            return HealthCheckResult.Unhealthy("RabbitMQ does not accept AMQP connections yet.", e);
        }
    }
}
