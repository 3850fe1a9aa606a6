using System.Threading.Channels;
using Grpc.Health.V1;

namespace ScriptPlatform.Grpc.Health;

/// <summary>grpc.health.v1.Health (grpc/grpc doc/health-checking.md) over <see cref="GrpcHealthStatusService"/>.</summary>
internal sealed class HealthService(GrpcHealthStatusService statuses)
{
    public Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        var status = statuses.GetStatus(request.Service)
            ?? throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    /// <summary>Sends the current status, then each change, until the client leaves.</summary>
    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> writer, ServerCallContext context)
    {
        // Only "something changed" matters: the latest status is read after each signal, so a bounded
        // channel that drops extra signals never loses the final state.
        var changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        void OnChanged(string service)
        {
            if (service == request.Service)
            {
                changed.Writer.TryWrite(true);
            }
        }

        statuses.StatusChanged += OnChanged;
        try
        {
            HealthCheckResponse.Types.ServingStatus? last = null;
            do
            {
                var current = statuses.GetStatus(request.Service) ?? HealthCheckResponse.Types.ServingStatus.ServiceUnknown;
                if (current != last)
                {
                    await writer.WriteAsync(new HealthCheckResponse { Status = current }).ConfigureAwait(false);
                    last = current;
                }
            }
            while (await changed.Reader.WaitToReadAsync(context.CancellationToken).ConfigureAwait(false) && changed.Reader.TryRead(out _));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client stopped watching: the normal way for a Watch to end.
        }
        finally
        {
            statuses.StatusChanged -= OnChanged;
        }
    }
}
