using System.Net;
using Microsoft.AspNetCore.Http;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc.Server.Internal;

/// <summary>The call context over an ASP.NET Core request. One per call; owns the deadline timer.</summary>
internal sealed class HttpContextServerCallContext : ServerCallContext, IDisposable
{
    private readonly HttpContext _httpContext;
    private readonly CancellationTokenSource? _deadlineCts;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private Dictionary<object, object>? _userState;

    public HttpContextServerCallContext(HttpContext httpContext, string method, ServerCallOptions options)
    {
        _httpContext = httpContext;
        Method = method;
        Options = options;
        RequestEncoding = httpContext.Request.Headers[GrpcProtocol.EncodingHeader].ToString();

        if (GrpcTimeout.TryParse(httpContext.Request.Headers[GrpcProtocol.TimeoutHeader].ToString(), out var timeout) && timeout <= GrpcTimeout.MaxTimer)
        {
            Deadline = DateTime.UtcNow + timeout;
            _deadlineCts = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted);
            _deadlineCts.CancelAfter(timeout);
            CancellationToken = _deadlineCts.Token;
        }
        else
        {
            // No deadline: no timer, no extra allocation.
            Deadline = DateTime.MaxValue;
            CancellationToken = httpContext.RequestAborted;
        }
    }

    public ServerCallOptions Options { get; }

    public string RequestEncoding { get; }

    /// <summary>Set once a response message went into the response pipe.</summary>
    public bool MessageWritten { get; set; }

    /// <summary>True once the deadline has passed (as opposed to the client going away).</summary>
    public bool DeadlineExceeded =>
        _deadlineCts is not null && _deadlineCts.IsCancellationRequested && !_httpContext.RequestAborted.IsCancellationRequested;

    public bool ClientGone => _httpContext.RequestAborted.IsCancellationRequested;

    public override string Method { get; }

    public override DateTime Deadline { get; }

    public override CancellationToken CancellationToken { get; }

    public override Metadata RequestHeaders => _requestHeaders ??= ReadRequestHeaders();

    public override Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    public Metadata? ResponseTrailersIfAny => _responseTrailers;

    public override Status Status { get; set; } = Status.DefaultSuccess;

    public override string Peer => FormatPeer(_httpContext.Connection.RemoteIpAddress, _httpContext.Connection.RemotePort);

    public override string Host => _httpContext.Request.Host.Value ?? "";

    public override IDictionary<object, object> UserState => _userState ??= [];

    public override HttpContext GetHttpContext() => _httpContext;

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        var response = _httpContext.Response;
        if (response.HasStarted)
        {
            throw new InvalidOperationException("Response headers can only be sent once per call, before the first message.");
        }

        foreach (var entry in responseHeaders)
        {
            response.Headers.Append(entry.Key, entry.Value);
        }

        return response.StartAsync(CancellationToken);
    }

    public void Dispose() => _deadlineCts?.Dispose();

    private Metadata ReadRequestHeaders()
    {
        var metadata = new Metadata();
        foreach (var header in _httpContext.Request.Headers)
        {
            foreach (var value in header.Value)
            {
                MetadataHeaders.AddReceived(metadata, header.Key, value ?? "");
            }
        }

        return metadata;
    }

    private static string FormatPeer(IPAddress? address, int port) => address switch
    {
        null => "unknown",
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } => $"ipv6:[{address}]:{port}",
        _ => $"ipv4:{address}:{port}",
    };
}

/// <summary>The resolved per-server limits a call needs (read once from <see cref="GrpcServerOptions"/>).</summary>
internal sealed record ServerCallOptions(int MaxReceiveMessageSize, int MaxSendMessageSize, bool EnableDetailedErrors);
