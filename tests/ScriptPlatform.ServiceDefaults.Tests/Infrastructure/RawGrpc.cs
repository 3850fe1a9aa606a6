using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace ScriptPlatform.ServiceDefaults.Tests.Infrastructure;

/// <summary>
/// Hand-made gRPC requests over plain HttpClient with HTTP/2 prior knowledge (h2c), for what a
/// well-behaved client never sends: bad frames, wrong content types, unparseable or non-UTF-8 messages.
/// </summary>
public static class RawGrpc
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    public static byte[] Frame(IMessage message, bool compressed = false) => Frame(message.ToByteArray(), compressed);

    public static byte[] Frame(byte[] body, bool compressed = false)
    {
        var frame = new byte[5 + body.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)body.Length);
        body.CopyTo(frame, 5);
        return frame;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    public static async Task<RawResponse> PostAsync(
        Uri server, string path, byte[] body, string contentType = "application/grpc", IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        return new RawResponse(
            response.StatusCode,
            response.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value)),
            response.TrailingHeaders.ToDictionary(h => h.Key, h => string.Join(",", h.Value)),
            response.Content.Headers.ContentType?.MediaType,
            bytes);
    }
}

/// <summary>What came back: HTTP status, headers, trailers and the framed messages of the body.</summary>
public sealed record RawResponse(
    HttpStatusCode HttpStatus, IReadOnlyDictionary<string, string> Headers, IReadOnlyDictionary<string, string> Trailers, string? ContentType, byte[] Body)
{
    /// <summary>grpc-status from the trailers, or from the headers of a Trailers-Only response.</summary>
    public StatusCode? GrpcStatus =>
        (Trailers.TryGetValue("grpc-status", out var code) || Headers.TryGetValue("grpc-status", out code)) ? (StatusCode)int.Parse(code) : null;

    /// <summary>grpc-message, percent-decoded.</summary>
    public string? GrpcMessage =>
        Trailers.TryGetValue("grpc-message", out var message) || Headers.TryGetValue("grpc-message", out message) ? Uri.UnescapeDataString(message) : null;

    public IReadOnlyList<T> Messages<T>(MessageParser<T> parser)
        where T : IMessage<T>
    {
        var messages = new List<T>();
        for (var offset = 0; offset < Body.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(Body.AsSpan(offset + 1));
            messages.Add(parser.ParseFrom(Body.AsSpan(offset + 5, length)));
            offset += 5 + length;
        }

        return messages;
    }
}
