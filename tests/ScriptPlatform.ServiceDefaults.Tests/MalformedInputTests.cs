using System.Net;

namespace ScriptPlatform.ServiceDefaults.Tests;

/// <summary>What a misbehaving client sends over raw HTTP/2 (h2c): each gets an error status, and the server keeps serving.</summary>
public sealed class MalformedInputTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private GrpcTestServer Server => shared.Server;

    [Fact]
    public async Task Truncated_frame_is_internal_and_the_server_keeps_serving()
    {
        // The prefix promises 100 bytes, the body ends after 3.
        byte[] truncated = [0, 0, 0, 0, 100, 1, 2, 3];

        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath, truncated);

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
        await Server.AssertStillServingAsync();
    }

    [Fact]
    public async Task Invalid_compressed_flag_is_unknown_and_the_server_keeps_serving()
    {
        // grpc-dotnet reads the flag before any binder or interceptor runs and fails with a plain
        // exception ("Unexpected compressed flag value in message header."), so the caller gets
        // UNKNOWN with the safe message (the old transport answered INTERNAL).
        byte[] badFlag = [7, 0, 0, 0, 0];

        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath, badFlag);

        Assert.Equal(StatusCode.Unknown, response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler.", response.GrpcMessage);
        await Server.AssertStillServingAsync();
    }

    [Fact]
    public async Task Empty_body_is_internal_and_the_server_keeps_serving()
    {
        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath, []);

        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
        await Server.AssertStillServingAsync();
    }

    [Fact]
    public async Task Protobuf_that_does_not_parse_is_invalid_argument_and_the_server_keeps_serving()
    {
        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath, RawGrpc.Frame([0xFF, 0xFF, 0xFF, 0xFF, 0xFF]));

        Assert.Equal(StatusCode.InvalidArgument, response.GrpcStatus);
        Assert.Contains("not a valid EchoRequest", response.GrpcMessage, StringComparison.Ordinal);
        await Server.AssertStillServingAsync();
    }

    [Fact]
    public async Task Invalid_utf8_in_a_string_field_is_invalid_argument_naming_utf8_and_the_server_keeps_serving()
    {
        // Field 1 (message), length-delimited, 2 bytes: a lone continuation byte and an invalid lead byte.
        byte[] message = [0x0A, 0x02, 0x80, 0xFF];

        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath, RawGrpc.Frame(message));

        Assert.Equal(StatusCode.InvalidArgument, response.GrpcStatus);
        Assert.Contains("UTF-8", response.GrpcMessage, StringComparison.Ordinal);
        await Server.AssertStillServingAsync();
    }

    [Fact]
    public async Task Wrong_content_type_is_http_415_and_the_server_keeps_serving()
    {
        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath, RawGrpc.Frame(new EchoRequest()), contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
        await Server.AssertStillServingAsync();
    }

    [Fact]
    public async Task Content_type_with_proto_suffix_is_accepted()
    {
        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath,
            RawGrpc.Frame(new EchoRequest { Message = "suffix" }), contentType: "application/grpc+proto");

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.Equal("suffix", response.Messages(EchoReply.Parser).Single().Message);
    }

    [Fact]
    public async Task Well_formed_raw_request_gets_its_reply_and_ok_in_the_trailers()
    {
        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath, RawGrpc.Frame(new EchoRequest { Message = "raw-ok" }));

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("application/grpc", response.ContentType);
        Assert.Equal("0", response.Trailers["grpc-status"]);
        Assert.Equal("raw-ok", response.Messages(EchoReply.Parser).Single().Message);
    }
}
