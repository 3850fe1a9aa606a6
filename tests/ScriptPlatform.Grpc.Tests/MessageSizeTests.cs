using Google.Protobuf;

namespace ScriptPlatform.Grpc.Tests;

public sealed class MessageSizeTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private GrpcTestServer Server => shared.Server;

    [Fact]
    public async Task Oversized_request_gets_resource_exhausted_and_server_keeps_serving()
    {
        var big = new EchoRequest { Message = "big", Payload = ByteString.CopyFrom(new byte[(4 * 1024 * 1024) + 1]) };

        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(big));
        var after = await Server.Client.EchoAsync(new EchoRequest { Message = "after" });

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("after", after.Message);
    }

    [Fact]
    public async Task Request_just_under_the_limit_is_accepted()
    {
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[(4 * 1024 * 1024) - 64]) };

        var reply = await Server.Client.EchoAsync(request);

        Assert.Equal(request.Payload.Length, reply.PayloadSize);
    }

    [Fact]
    public async Task Configured_server_limit_applies()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.MaxReceiveMessageSize = 1024);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.EchoAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[2048]) }));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Oversized_response_fails_on_the_client_with_resource_exhausted()
    {
        using var channel = GrpcChannel.ForAddress(Server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });
        var client = new TestServiceClient(channel);

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.EchoAsync(new EchoRequest { ReplyPayloadSize = 5000 }));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Request_over_the_client_send_limit_fails_before_sending()
    {
        using var channel = GrpcChannel.ForAddress(Server.Address, new GrpcChannelOptions { MaxSendMessageSize = 100 });
        var client = new TestServiceClient(channel);

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.EchoAsync(new EchoRequest { Message = "unsent", Payload = ByteString.CopyFrom(new byte[200]) }));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(0, Server.Recorder.Calls("unsent"));
    }

    [Fact]
    public async Task Oversized_server_response_gets_resource_exhausted()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.MaxSendMessageSize = 1000);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.EchoAsync(new EchoRequest { ReplyPayloadSize = 5000 }));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }
}
