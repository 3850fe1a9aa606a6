using Grpc.Health.V1;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ScriptPlatform.Grpc.Health;

/// <summary>
/// Feeds ASP.NET Core health checks into gRPC health: the server ("") is SERVING while the checks are
/// healthy or degraded, NOT_SERVING when one is unhealthy. Runs only if the app calls AddHealthChecks().
/// </summary>
internal sealed class GrpcHealthCheckPublisher(GrpcHealthStatusService statuses) : IHealthCheckPublisher
{
    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        statuses.SetStatus("", report.Status == HealthStatus.Unhealthy
            ? HealthCheckResponse.Types.ServingStatus.NotServing
            : HealthCheckResponse.Types.ServingStatus.Serving);
        return Task.CompletedTask;
    }
}
