using System.Net.Security;

namespace ScriptPlatform.Grpc;

/// <summary>
/// A connection pool to one server: one HTTP/2 handler shared by every client and call made on it.
/// h2c (HTTP/2 with prior knowledge) for http:// addresses, TLS with ALPN h2 for https://.
/// Create one per server and keep it; it is thread-safe.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly bool _disposeHandler;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"A gRPC address must be http:// or https://, not '{address}'.", nameof(address));
        }

        Address = address;
        Options = options;
        _disposeHandler = options.HttpHandler is null || options.DisposeHttpHandler;
        Invoker = new HttpMessageInvoker(options.HttpHandler ?? CreateHandler(), disposeHandler: false);
        MaxReceiveMessageSize = options.MaxReceiveMessageSize ?? int.MaxValue;
        MaxSendMessageSize = options.MaxSendMessageSize ?? int.MaxValue;
    }

    public Uri Address { get; }

    internal GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    internal int MaxReceiveMessageSize { get; }

    internal int MaxSendMessageSize { get; }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address, UriKind.Absolute), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null) =>
        new(address, options ?? new GrpcChannelOptions());

    public void Dispose()
    {
        if (_disposeHandler)
        {
            Invoker.Dispose();
        }
    }

    private static SocketsHttpHandler CreateHandler() => new()
    {
        // More than 100 concurrent calls (the usual per-connection stream limit) open more connections
        // instead of queueing.
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        // We inject traceparent ourselves (GrpcTelemetry), from the call's own span.
        ActivityHeadersPropagator = null,
        SslOptions = new SslClientAuthenticationOptions { ApplicationProtocols = [SslApplicationProtocol.Http2] },
    };
}
