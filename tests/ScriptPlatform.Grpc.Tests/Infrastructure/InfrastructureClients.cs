using Grpc.Health.V1;

namespace ScriptPlatform.Grpc.Tests.Infrastructure;

/// <summary>A typed client of the standard health service, over our client.</summary>
public sealed class HealthClient(GrpcChannel channel) : GrpcClientBase(channel, HealthReflection.Descriptor.Services[0])
{
    public Task<HealthCheckResponse> CheckAsync(string service) =>
        UnaryAsync<HealthCheckRequest, HealthCheckResponse>("Check", new HealthCheckRequest { Service = service }, idempotent: true);

    public IAsyncEnumerable<HealthCheckResponse> WatchAsync(string service, CancellationToken cancellationToken) =>
        ServerStreamingAsync<HealthCheckRequest, HealthCheckResponse>("Watch", new HealthCheckRequest { Service = service }, new CallOptions(CancellationToken: cancellationToken));
}
