using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc.Client;

/// <summary>
/// One attempt of a call with a single request message: sends it, then reads response messages and
/// finally the status. Every failure (transport, protocol, deadline, cancellation, non-OK status)
/// comes out as an <see cref="RpcException"/>.
/// </summary>
internal sealed class ClientCall<TResponse> : IAsyncDisposable
    where TResponse : class, IMessage<TResponse>, new()
{
    private const string UserAgent = "grpc-dotnet-scriptplatform/1.0";
    private static readonly string[] TeTrailers = ["trailers"];

    private readonly GrpcChannel _channel;
    private readonly DateTime? _deadline;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource? _cts;
    private readonly byte[] _header = new byte[GrpcFrame.HeaderSize];
    private HttpResponseMessage? _response;
    private Stream? _body;
    private string? _encoding;
    private HttpHeaders? _trailerSource;
    private Metadata? _trailers;

    private ClientCall(GrpcChannel channel, DateTime? deadline, CancellationToken callerToken)
    {
        _channel = channel;
        _deadline = deadline;
        _callerToken = callerToken;
        if (deadline is not null)
        {
            // A timer only for calls with a deadline; a call without one uses the caller's token as is.
            _cts = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
            _cts.CancelAfter(Max(deadline.Value - DateTime.UtcNow, TimeSpan.Zero));
        }
    }

    public CancellationToken Token => _cts?.Token ?? _callerToken;

    public Metadata ResponseHeaders => _response is null ? new Metadata() : ResponseStatus.ToMetadata(_response.Headers);

    /// <summary>The trailers (or, for a Trailers-Only response, the headers); converted only when asked for.</summary>
    public Metadata Trailers => _trailers ??= _trailerSource is null ? new Metadata() : ResponseStatus.ToMetadata(_trailerSource);

    /// <summary>How the call ended: its status code, or null while it is still open.</summary>
    public StatusCode? Outcome { get; private set; }

    public static ClientCall<TResponse> Create(GrpcChannel channel, CallOptions options, CancellationToken callerToken) =>
        new(channel, EffectiveDeadline(options), callerToken);

    /// <summary>A whole unary call: exactly one response message, then an OK status.</summary>
    public static async Task<TResult> UnaryAsync<TResult>(
        GrpcChannel channel, ClientMethod method, IMessage request, CallOptions options, Func<TResponse, ClientCall<TResponse>, TResult> result)
    {
        await using var call = Create(channel, options, options.CancellationToken);
        await call.SendAsync(method, request, options).ConfigureAwait(false);
        var response = await call.ReadNextAsync().ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, "The server ended a unary call with OK but no response message.");
        if (await call.ReadNextAsync().ConfigureAwait(false) is not null)
        {
            throw new RpcException(StatusCode.Internal, "The server sent more than one response message for a unary call.");
        }

        return result(response, call);
    }

    /// <summary>The next response message, or null once the call ended with OK (otherwise it throws).</summary>
    public async ValueTask<TResponse?> ReadNextAsync()
    {
        try
        {
            var read = await _body!.ReadAtLeastAsync(_header, GrpcFrame.HeaderSize, throwOnEndOfStream: false, Token).ConfigureAwait(false);
            if (read == 0)
            {
                Finish();
                return null;
            }

            if (read < GrpcFrame.HeaderSize)
            {
                throw new RpcException(StatusCode.Internal, "Incomplete message: the response ended inside a frame header.");
            }

            var (compressed, length) = GrpcFrame.ReadHeader(_header);
            if (length > _channel.MaxReceiveMessageSize)
            {
                throw GrpcFrame.MessageTooLarge("Received", length, _channel.MaxReceiveMessageSize);
            }

            var buffer = ArrayPool<byte>.Shared.Rent((int)length);
            try
            {
                await _body.ReadExactlyAsync(buffer.AsMemory(0, (int)length), Token).ConfigureAwait(false);
                return MessageSerializer.Parse(MessageParsers.For<TResponse>(), new ReadOnlySequence<byte>(buffer, 0, (int)length), compressed, _encoding, _channel.MaxReceiveMessageSize);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception ex)
        {
            throw ToRpcException(ex);
        }
    }

    public ValueTask DisposeAsync()
    {
        // Disposing an unfinished HTTP/2 response resets the stream, which tells the server the call is cancelled.
        _response?.Dispose();
        _cts?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Sends the request and waits for the response headers.</summary>
    public async Task SendAsync(ClientMethod method, IMessage request, CallOptions options)
    {
        try
        {
            if (_deadline is { } deadline && deadline <= DateTime.UtcNow)
            {
                throw new RpcException(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            }

            using var httpRequest = new HttpRequestMessage(HttpMethod.Post, method.Uri)
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new MessageContent(request, _channel.MaxSendMessageSize),
            };
            AddHeaders(httpRequest.Headers, options);
            _response = await _channel.Invoker.SendAsync(httpRequest, Token).ConfigureAwait(false);
            if (ResponseStatus.FromHeaders(_response) is { } status)
            {
                // A Trailers-Only response (or an HTTP error): the call is over already.
                _trailerSource = _response.Headers;
                throw new RpcException(status, Trailers);
            }

            _encoding = _response.Headers.NonValidated.TryGetValues(GrpcProtocol.EncodingHeader, out var encoding) ? encoding.ToString() : null;
            _body = await _response.Content.ReadAsStreamAsync(Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw ToRpcException(ex);
        }
    }

    private void AddHeaders(HttpRequestHeaders headers, CallOptions options)
    {
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, TeTrailers);
        headers.TryAddWithoutValidation("user-agent", UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (_deadline is { } deadline)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(deadline - DateTime.UtcNow));
        }

        if (options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                headers.TryAddWithoutValidation(entry.Key, entry.Value);
            }
        }

        GrpcTelemetry.Inject(headers);
    }

    /// <summary>The body ended: the status is in the trailers.</summary>
    private void Finish()
    {
        _trailerSource = _response!.TrailingHeaders;
        var status = ResponseStatus.FromTrailers(_response);
        Outcome = status.StatusCode;
        if (status.StatusCode != StatusCode.OK)
        {
            throw new RpcException(status, Trailers);
        }
    }

    private RpcException ToRpcException(Exception exception)
    {
        var rpc = Map(exception);
        Outcome = rpc.StatusCode;
        return rpc;
    }

    private RpcException Map(Exception exception)
    {
        if (exception is RpcException rpc)
        {
            return rpc;
        }

        // The linked source exists only for the deadline: cancelled without the caller's token means
        // the deadline fired (a clock comparison would race with the timer).
        if (exception is OperationCanceledException or IOException or HttpRequestException
            && _cts is { IsCancellationRequested: true } && !_callerToken.IsCancellationRequested)
        {
            return new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), Trailers, exception);
        }

        var status = exception switch
        {
            OperationCanceledException => new Status(StatusCode.Cancelled, "Call canceled by the client."),
            HttpProtocolException { ErrorCode: 0x8 } => new Status(StatusCode.Cancelled, "The server cancelled the call (RST_STREAM CANCEL)."),
            HttpProtocolException { ErrorCode: 0x7 } => new Status(StatusCode.Unavailable, "The server refused the call (RST_STREAM REFUSED_STREAM)."),
            HttpProtocolException protocol => new Status(StatusCode.Internal, $"HTTP/2 error {protocol.ErrorCode}: {protocol.Message}"),
            HttpRequestException or IOException => new Status(StatusCode.Unavailable, $"Error connecting to {_channel.Address}: {exception.Message}"),
            _ => new Status(StatusCode.Internal, $"Error in the gRPC client: {exception.GetType().Name}: {exception.Message}"),
        };
        return new RpcException(status, Trailers, exception);
    }

    /// <summary>The deadline in UTC; null when there is none or it is too far away to matter (DateTime.MaxValue).</summary>
    private static DateTime? EffectiveDeadline(CallOptions options) =>
        options.Deadline is { } deadline && deadline.ToUniversalTime() - DateTime.UtcNow <= GrpcTimeout.MaxTimer ? deadline.ToUniversalTime() : null;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
