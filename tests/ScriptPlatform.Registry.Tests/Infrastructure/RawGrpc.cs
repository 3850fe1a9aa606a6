using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;

namespace ScriptPlatform.Registry.Tests.Infrastructure;

/// <summary>A hand-made unary gRPC call, for bytes the typed client can never send (such as non-UTF-8 strings).</summary>
public static class RawGrpc
{
    public static async Task<(int Status, string Message)> UnaryAsync(Uri server, string path, byte[] message, string? bearer = null)
    {
        using var http = new HttpClient(new SocketsHttpHandler());
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + bearer);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        await response.Content.ReadAsByteArrayAsync();
        var headers = response.TrailingHeaders.Concat(response.Headers).ToDictionary(h => h.Key, h => h.Value.First(), StringComparer.OrdinalIgnoreCase);
        var status = int.Parse(headers["grpc-status"], System.Globalization.CultureInfo.InvariantCulture);
        return (status, Uri.UnescapeDataString(headers.GetValueOrDefault("grpc-message") ?? ""));
    }
}
