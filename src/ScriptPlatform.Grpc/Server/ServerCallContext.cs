using Microsoft.AspNetCore.Http;

namespace ScriptPlatform.Grpc;

/// <summary>What a service method knows about the call it is serving (shaped like grpc-dotnet's).</summary>
public abstract class ServerCallContext
{
    /// <summary>The full method path, "/package.Service/Method".</summary>
    public abstract string Method { get; }

    /// <summary>The client's deadline (from grpc-timeout), or <see cref="DateTime.MaxValue"/> when none was sent.</summary>
    public abstract DateTime Deadline { get; }

    /// <summary>Cancelled when the deadline passes or the client goes away.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>The custom metadata the client sent (transport headers left out).</summary>
    public abstract Metadata RequestHeaders { get; }

    /// <summary>Metadata to send with the status at the end of the call.</summary>
    public abstract Metadata ResponseTrailers { get; }

    /// <summary>The status to end a successful call with (handlers may set a non-OK status without throwing).</summary>
    public abstract Status Status { get; set; }

    /// <summary>"ipv4:127.0.0.1:5000"-style address of the client.</summary>
    public abstract string Peer { get; }

    public abstract string Host { get; }

    /// <summary>State shared between interceptors and the service for this call.</summary>
    public abstract IDictionary<object, object> UserState { get; }

    /// <summary>Sends response headers now; may be called once, before the first response message.</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata responseHeaders);

    public abstract HttpContext GetHttpContext();
}
