using System.IO.Compression;
using System.Net;
using Google.Protobuf;

namespace ScriptPlatform.Grpc.Tests;

/// <summary>What a misbehaving or unusual client sends, over raw HTTP/2.</summary>
public sealed class WireProtocolTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string EchoPath = "/scriptplatform.grpc.test.v1.TestService/Echo";

    private GrpcTestServer Server => shared.Server;

    [Fact]
    public async Task Wrong_content_type_gets_http_415()
    {
        var response = await RawGrpc.PostAsync(Server.Address, EchoPath, RawGrpc.Frame(new EchoRequest()), contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
    }

    [Fact]
    public async Task Content_type_with_proto_suffix_is_accepted()
    {
        var response = await RawGrpc.PostAsync(Server.Address, EchoPath, RawGrpc.Frame(new EchoRequest { Message = "suffix" }), contentType: "application/grpc+proto");

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.Equal("suffix", response.Messages(EchoReply.Parser).Single().Message);
        Assert.Equal("application/grpc", response.ContentType);
    }

    [Fact]
    public async Task Malformed_frame_gets_internal_and_server_keeps_serving()
    {
        // The prefix promises 100 bytes, the body ends after 3.
        byte[] truncated = [0, 0, 0, 0, 100, 1, 2, 3];

        var response = await RawGrpc.PostAsync(Server.Address, EchoPath, truncated);
        var after = await Server.Client.EchoAsync(new EchoRequest { Message = "still-serving" });

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
        Assert.Equal("still-serving", after.Message);
    }

    [Fact]
    public async Task Invalid_compressed_flag_gets_internal()
    {
        byte[] badFlag = [7, 0, 0, 0, 0];

        var response = await RawGrpc.PostAsync(Server.Address, EchoPath, badFlag);

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
    }

    [Fact]
    public async Task Bad_protobuf_gets_internal()
    {
        var response = await RawGrpc.PostAsync(Server.Address, EchoPath, RawGrpc.Frame([0xFF, 0xFF, 0xFF, 0xFF, 0xFF]));

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
    }

    [Fact]
    public async Task Empty_body_gets_internal()
    {
        var response = await RawGrpc.PostAsync(Server.Address, EchoPath, []);

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
    }

    [Fact]
    public async Task Gzip_compressed_request_is_accepted()
    {
        var compressed = Gzip(new EchoRequest { Message = "zipped", Payload = ByteString.CopyFrom(new byte[10_000]) }.ToByteArray());

        var response = await RawGrpc.PostAsync(Server.Address, EchoPath, RawGrpc.Frame(compressed, compressed: true),
            headers: new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        var reply = response.Messages(EchoReply.Parser).Single();
        Assert.Equal("zipped", reply.Message);
        Assert.Equal(10_000, reply.PayloadSize);
        Assert.Equal("gzip", reply.RequestEncoding);
    }

    [Fact]
    public async Task Gzip_bomb_over_the_limit_gets_resource_exhausted()
    {
        // 5 MiB of zeros compress to a few KiB: the limit must apply to the inflated size.
        var compressed = Gzip(new EchoRequest { Payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]) }.ToByteArray());

        var response = await RawGrpc.PostAsync(Server.Address, EchoPath, RawGrpc.Frame(compressed, compressed: true),
            headers: new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        Assert.Equal(StatusCode.ResourceExhausted, response.GrpcStatus);
    }

    [Fact]
    public async Task Unsupported_encoding_gets_unimplemented_with_grpc_accept_encoding()
    {
        var response = await RawGrpc.PostAsync(Server.Address, EchoPath, RawGrpc.Frame([1, 2, 3], compressed: true),
            headers: new Dictionary<string, string> { ["grpc-encoding"] = "snappy" });

        Assert.Equal(StatusCode.Unimplemented, response.GrpcStatus);
        Assert.Contains("gzip", response.Headers["grpc-accept-encoding"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Early_error_is_a_trailers_only_response()
    {
        var response = await RawGrpc.PostAsync(Server.Address, EchoPath,
            RawGrpc.Frame(new EchoRequest { FailCode = (int)StatusCode.PermissionDenied, FailMessage = "nope 100%" }));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal("7", response.Headers["grpc-status"]);
        Assert.Equal("nope 100%25", response.Headers["grpc-message"]);
        Assert.Equal("application/grpc", response.ContentType);
    }

    [Fact]
    public async Task Successful_response_carries_status_in_trailers()
    {
        var response = await RawGrpc.PostAsync(Server.Address, EchoPath, RawGrpc.Frame(new EchoRequest { Message = "ok" }));

        Assert.Equal("0", response.Trailers["grpc-status"]);
        Assert.False(response.Headers.ContainsKey("grpc-status"));
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
