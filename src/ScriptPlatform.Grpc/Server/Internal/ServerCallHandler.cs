using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc.Server.Internal;

/// <summary>
/// The part of every call that does not depend on its shape: request checks, the call context,
/// the span, mapping whatever happened to a status, and writing that status.
/// </summary>
internal abstract class ServerCallHandler(ServerMethodSetup setup)
{
    private static readonly Status DeadlineExceeded = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    private readonly ServerCallOptions _options = setup.Options;
    private readonly ILogger _logger = setup.Logger;

    public GrpcMethod Method { get; } = setup.Method;

    public async Task HandleCallAsync(HttpContext httpContext)
    {
        var request = httpContext.Request;
        var response = httpContext.Response;
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            // 415 rather than a gRPC status, so a non-gRPC client cannot mistake the answer for success.
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            await response.WriteAsync($"Content-Type '{request.ContentType}' is not supported; use '{GrpcProtocol.ContentType}'.").ConfigureAwait(false);
            return;
        }

        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }

        response.ContentType = GrpcProtocol.ContentType;

        // Our per-message limit replaces Kestrel's whole-body limit (30 MB), which would cut long streams.
        if (httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        using var context = new HttpContextServerCallContext(httpContext, Method.Path, _options);
        var activity = GrpcTelemetry.StartServer(httpContext, Method);
        Status status;
        try
        {
            if (!GrpcCompression.IsSupported(context.RequestEncoding))
            {
                response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
                throw new RpcException(StatusCode.Unimplemented,
                    $"Unsupported grpc-encoding value '{context.RequestEncoding}'. Supported encodings: {GrpcProtocol.SupportedEncodings}");
            }

            await HandleAsync(context).ConfigureAwait(false);
            status = context.DeadlineExceeded ? DeadlineExceeded : context.Status;
        }
        catch (Exception ex)
        {
            status = ToStatus(ex, context);
        }

        StatusWriter.Write(response, status, context.ResponseTrailersIfAny, context.MessageWritten);
        GrpcTelemetry.Stop(activity, status.StatusCode, isServer: true);
    }

    /// <summary>Reads the request, runs the interceptors and the service method, writes the response.</summary>
    protected abstract Task HandleAsync(HttpContextServerCallContext context);

    /// <summary>Writes the single response of a unary or client-streaming call, unless the call already failed.</summary>
    protected static void WriteSingleResponse(HttpContextServerCallContext context, IMessage? response)
    {
        if (context.DeadlineExceeded || context.Status.StatusCode != StatusCode.OK)
        {
            return;
        }

        ResponseMessage.Write(context, response
            ?? throw new RpcException(StatusCode.Internal, "The handler returned no response message."));
    }

    private Status ToStatus(Exception exception, HttpContextServerCallContext context)
    {
        if (exception is RpcException rpc)
        {
            foreach (var entry in rpc.Trailers)
            {
                context.ResponseTrailers.Add(entry);
            }

            return rpc.Status;
        }

        if (context.DeadlineExceeded)
        {
            return DeadlineExceeded;
        }

        if (context.ClientGone)
        {
            // Nobody will read this status; the call ended because the client left.
            _logger.LogDebug("gRPC call {Method} cancelled: the client went away.", Method.Path);
            return new Status(StatusCode.Cancelled, "Call canceled by the client.");
        }

        _logger.LogError(exception, "gRPC call {Method} failed with an unhandled exception.", Method.Path);
        var detail = _options.EnableDetailedErrors
            ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
            : "Exception was thrown by handler.";
        return new Status(StatusCode.Unknown, detail);
    }
}

/// <summary>What every handler of one rpc needs, resolved once at start-up.</summary>
internal sealed record ServerMethodSetup(GrpcMethod Method, ServerCallOptions Options, ILogger Logger, IReadOnlyList<Interceptor> Interceptors);
