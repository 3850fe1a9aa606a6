using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc;

/// <summary>Options of a <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Larger response messages fail the call with RESOURCE_EXHAUSTED. Default 4 MiB; null for no limit.</summary>
    public int? MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Larger request messages fail the call with RESOURCE_EXHAUSTED before sending. Default: no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Replaces the channel's own SocketsHttpHandler (tests, custom TLS, in-memory servers).</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/>. The channel's own handler is always disposed.</summary>
    public bool DisposeHttpHandler { get; set; }

    /// <summary>Retries after the first attempt of an idempotent call that failed with UNAVAILABLE. Default 3.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The first retry waits about this long; each next one twice as long, with jitter. Default 100 ms.</summary>
    public TimeSpan InitialRetryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);
}
