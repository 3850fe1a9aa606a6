using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc;

/// <summary>
/// One <see cref="Activity"/> per call, client and server, with the OpenTelemetry rpc.* attributes.
/// Trace context travels as W3C traceparent/tracestate: the client injects it, the server extracts it.
/// </summary>
public static class GrpcTelemetry
{
    /// <summary>Add this name to a tracer provider (<c>AddSource</c>) to export gRPC spans.</summary>
    public const string ActivitySourceName = "ScriptPlatform.Grpc";

    internal static readonly ActivitySource Source = new(ActivitySourceName);

    /// <summary>Whether anything listens to our spans (otherwise calls skip them entirely).</summary>
    internal static bool IsEnabled => Source.HasListeners();

    internal static Activity? StartServer(HttpContext httpContext, GrpcMethod method)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        // ASP.NET Core's own request activity (when something listens to it) already carries the
        // remote parent; otherwise take the parent from the headers ourselves.
        ActivityContext parent = default;
        if (Activity.Current is null)
        {
            var headers = httpContext.Request.Headers;
            ActivityContext.TryParse(headers[GrpcProtocol.TraceParentHeader], headers[GrpcProtocol.TraceStateHeader], isRemote: true, out parent);
        }

        return Tag(Source.StartActivity(method.SpanName, ActivityKind.Server, parent), method);
    }

    internal static Activity? StartClient(GrpcMethod method) =>
        Source.HasListeners() ? Tag(Source.StartActivity(method.SpanName, ActivityKind.Client), method) : null;

    /// <summary>Injects the current trace context (our client span, or whatever span is current).</summary>
    internal static void Inject(HttpRequestHeaders headers)
    {
        var current = Activity.Current;
        if (current is null || current.IdFormat != ActivityIdFormat.W3C)
        {
            return;
        }

        headers.TryAddWithoutValidation(GrpcProtocol.TraceParentHeader, current.Id);
        if (!string.IsNullOrEmpty(current.TraceStateString))
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TraceStateHeader, current.TraceStateString);
        }
    }

    internal static void Stop(Activity? activity, StatusCode code, bool isServer)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("rpc.grpc.status_code", (int)code);
        if (IsError(code, isServer))
        {
            activity.SetStatus(ActivityStatusCode.Error, code.ToString());
        }

        activity.Stop();
    }

    // OpenTelemetry semantic conventions: every non-OK code is an error for a client; for a server
    // only the codes that point at the server itself.
    private static bool IsError(StatusCode code, bool isServer) => isServer
        ? code is StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Unimplemented
            or StatusCode.Internal or StatusCode.Unavailable or StatusCode.DataLoss
        : code != StatusCode.OK;

    private static Activity? Tag(Activity? activity, GrpcMethod method) => activity?
        .SetTag("rpc.system", "grpc")
        .SetTag("rpc.service", method.Service)
        .SetTag("rpc.method", method.Name);
}
