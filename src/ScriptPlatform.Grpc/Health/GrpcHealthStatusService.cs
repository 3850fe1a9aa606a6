using System.Collections.Concurrent;
using Grpc.Health.V1;

namespace ScriptPlatform.Grpc;

/// <summary>
/// The serving status the health service reports. "" is the whole server; every mapped service starts
/// SERVING. Set NOT_SERVING while a dependency (database, queue) is down, SERVING when it is back.
/// </summary>
public sealed class GrpcHealthStatusService
{
    private readonly ConcurrentDictionary<string, HealthCheckResponse.Types.ServingStatus> _statuses =
        new(StringComparer.Ordinal) { [""] = HealthCheckResponse.Types.ServingStatus.Serving };

    /// <summary>Raised after a status changes (service name, new status); Watch calls listen to it.</summary>
    internal event Action<string>? StatusChanged;

    public void SetStatus(string service, HealthCheckResponse.Types.ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        var previous = _statuses.TryGetValue(service, out var old) ? old : (HealthCheckResponse.Types.ServingStatus?)null;
        _statuses[service] = status;
        if (previous != status)
        {
            StatusChanged?.Invoke(service);
        }
    }

    /// <summary>Forgets a service: Check answers NOT_FOUND for it again, Watch SERVICE_UNKNOWN.</summary>
    public void ClearStatus(string service)
    {
        if (_statuses.TryRemove(service, out _))
        {
            StatusChanged?.Invoke(service);
        }
    }

    public HealthCheckResponse.Types.ServingStatus? GetStatus(string service) =>
        _statuses.TryGetValue(service, out var status) ? status : null;
}
