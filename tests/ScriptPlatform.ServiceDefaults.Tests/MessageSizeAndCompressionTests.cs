using Google.Protobuf;
using Microsoft.Extensions.Configuration;

namespace ScriptPlatform.ServiceDefaults.Tests;

public sealed class MessageSizeAndCompressionTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const int FourMiB = 4 * 1024 * 1024;

    private GrpcTestServer Server => shared.Server;

    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(60);

    [Fact]
    public async Task Request_over_4_MiB_is_resource_exhausted_and_the_connection_keeps_serving()
    {
        var big = new EchoRequest { Message = "big", Payload = ByteString.CopyFrom(new byte[FourMiB + 1]) };

        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(big, deadline: Deadline).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(0, Server.Recorder.Calls("big"));
        await Server.AssertStillServingAsync("after-big");
    }

    [Fact]
    public async Task Request_just_under_4_MiB_is_accepted()
    {
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[FourMiB - 64]) };

        var reply = await Server.Client.EchoAsync(request, deadline: Deadline);

        Assert.Equal(request.Payload.Length, reply.PayloadSize);
    }

    [Fact]
    public async Task Receive_limit_follows_configuration()
    {
        await using var server = await GrpcTestServer.StartAsync(b => b.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["ScriptPlatform:Grpc:MaxReceiveMessageSize"] = "1024" }));

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.EchoAsync(
            new EchoRequest { Payload = ByteString.CopyFrom(new byte[2048]) }, deadline: Deadline).ResponseAsync);
        var small = await server.Client.EchoAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[512]) }, deadline: Deadline);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(512, small.PayloadSize);
    }

    [Fact]
    public async Task Gzip_compressed_request_from_the_client_is_accepted()
    {
        // grpc-internal-encoding-request asks Grpc.Net.Client to compress this call's request with a
        // CompressionProvider it has (gzip is one by default).
        var headers = new Metadata { { "grpc-internal-encoding-request", "gzip" } };

        var reply = await Server.Client.EchoAsync(
            new EchoRequest { Message = "zipped", Payload = ByteString.CopyFrom(new byte[50_000]) }, headers, Deadline);

        Assert.Equal("zipped", reply.Message);
        Assert.Equal(50_000, reply.PayloadSize);
        Assert.Equal("gzip", reply.RequestEncoding);
    }

    [Fact]
    public async Task Gzip_compressed_raw_request_is_accepted()
    {
        var compressed = RawGrpc.Gzip(new EchoRequest { Message = "raw-zipped", Payload = ByteString.CopyFrom(new byte[10_000]) }.ToByteArray());

        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath, RawGrpc.Frame(compressed, compressed: true),
            headers: new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        var reply = response.Messages(EchoReply.Parser).Single();
        Assert.Equal("raw-zipped", reply.Message);
        Assert.Equal(10_000, reply.PayloadSize);
        Assert.Equal("gzip", reply.RequestEncoding);
    }

    [Fact]
    public async Task Gzip_request_that_inflates_past_4_MiB_is_resource_exhausted()
    {
        // 5 MiB of zeros compress to a few KiB: the limit applies to the inflated size.
        var compressed = RawGrpc.Gzip(new EchoRequest { Message = "bomb", Payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]) }.ToByteArray());

        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath, RawGrpc.Frame(compressed, compressed: true),
            headers: new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        Assert.Equal(StatusCode.ResourceExhausted, response.GrpcStatus);
        Assert.Equal(0, Server.Recorder.Calls("bomb"));
    }

    [Fact]
    public async Task Unsupported_encoding_is_unimplemented_with_the_accepted_encodings()
    {
        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath, RawGrpc.Frame([1, 2, 3], compressed: true),
            headers: new Dictionary<string, string> { ["grpc-encoding"] = "snappy" });

        Assert.Equal(StatusCode.Unimplemented, response.GrpcStatus);
        Assert.Contains("gzip", response.Headers["grpc-accept-encoding"], StringComparison.Ordinal);
    }
}
