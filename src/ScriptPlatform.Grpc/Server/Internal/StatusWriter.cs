using System.Globalization;
using Microsoft.AspNetCore.Http;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc.Server.Internal;

/// <summary>Ends a call with grpc-status / grpc-message and the custom trailers.</summary>
internal static class StatusWriter
{
    private static readonly string[] CodeStrings =
        Enumerable.Range(0, 17).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>
    /// Before anything was sent this is a Trailers-Only response (the status goes in the one HEADERS
    /// frame, PROTOCOL-HTTP2.md); afterwards it goes in real trailers.
    /// </summary>
    public static void Write(HttpResponse response, Status status, Metadata? trailers, bool messageWritten)
    {
        // A written but unflushed message may not have started the response yet: it still needs trailers.
        var trailersOnly = !response.HasStarted && !messageWritten;
        var code = (int)status.StatusCode;
        Append(response, trailersOnly, GrpcProtocol.StatusTrailer, (uint)code < CodeStrings.Length ? CodeStrings[code] : code.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            Append(response, trailersOnly, GrpcProtocol.MessageTrailer, PercentEncoding.Encode(status.Detail));
        }

        if (trailers is null)
        {
            return;
        }

        foreach (var entry in trailers)
        {
            Append(response, trailersOnly, entry.Key, entry.Value);
        }
    }

    private static void Append(HttpResponse response, bool trailersOnly, string name, string value)
    {
        if (trailersOnly)
        {
            response.Headers.Append(name, value);
        }
        else
        {
            response.AppendTrailer(name, value);
        }
    }
}
