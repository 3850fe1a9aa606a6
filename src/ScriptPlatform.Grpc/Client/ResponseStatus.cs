using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc.Client;

/// <summary>Reads a call's status from what the server sent (headers, trailers or only an HTTP status).</summary>
internal static class ResponseStatus
{
    /// <summary>
    /// The status carried by the response headers when the call cannot go on: a Trailers-Only response,
    /// an HTTP error, or a body that is not gRPC. Null when messages and trailers follow.
    /// </summary>
    public static Status? FromHeaders(HttpResponseMessage response)
    {
        if (TryRead(response.Headers, out var status))
        {
            return status;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new Status(FromHttpStatus(response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}");
        }

        var contentType = response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var values) ? values.ToString() : null;
        return GrpcProtocol.IsGrpcContentType(contentType)
            ? null
            : new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}");
    }

    public static Status FromTrailers(HttpResponseMessage response) =>
        TryRead(response.TrailingHeaders, out var status)
            ? status
            : new Status(StatusCode.Internal, "Bad gRPC response. No grpc-status found in the response trailers.");

    public static Metadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers.NonValidated)
        {
            foreach (var value in header.Value)
            {
                MetadataHeaders.AddReceived(metadata, header.Key, value);
            }
        }

        return metadata;
    }

    private static bool TryRead(HttpHeaders headers, out Status status)
    {
        status = default;
        if (!headers.NonValidated.TryGetValues(GrpcProtocol.StatusTrailer, out var codes))
        {
            return false;
        }

        var code = codes.ToString();
        var message = headers.NonValidated.TryGetValues(GrpcProtocol.MessageTrailer, out var messages)
            ? PercentEncoding.Decode(messages.ToString())
            : "";
        status = int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? new Status((StatusCode)value, message)
            : new Status(StatusCode.Unknown, $"Bad gRPC response. Invalid grpc-status value '{code}'. {message}");
        return true;
    }

    /// <summary>grpc/grpc doc/http-grpc-status-mapping.md.</summary>
    private static StatusCode FromHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => StatusCode.Internal,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.NotFound => StatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}
