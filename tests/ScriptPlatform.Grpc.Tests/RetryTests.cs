using System.Net;
using System.Net.Sockets;

namespace ScriptPlatform.Grpc.Tests;

public sealed class RetryTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private GrpcTestServer Server => shared.Server;

    [Fact]
    public async Task Idempotent_call_is_retried_on_unavailable()
    {
        Server.Recorder.FailTimes("flaky", 2);
        using var channel = GrpcChannel.ForAddress(Server.Address, new GrpcChannelOptions { InitialRetryBackoff = TimeSpan.FromMilliseconds(10) });
        var client = new TestServiceClient(channel);

        var reply = await client.EchoAsync(new EchoRequest { Message = "flaky", FailCode = (int)StatusCode.Unavailable }, idempotent: true);

        Assert.Equal("flaky", reply.Message);
        Assert.Equal(3, Server.Recorder.Calls("flaky"));
    }

    [Fact]
    public async Task Non_idempotent_call_is_not_retried()
    {
        Server.Recorder.FailTimes("once", 1);

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Server.Client.EchoAsync(new EchoRequest { Message = "once", FailCode = (int)StatusCode.Unavailable }));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal(1, Server.Recorder.Calls("once"));
    }

    [Fact]
    public async Task Other_codes_are_not_retried_even_when_idempotent()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(
            new EchoRequest { Message = "internal", FailCode = (int)StatusCode.Internal }, idempotent: true));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Equal(1, Server.Recorder.Calls("internal"));
    }

    [Fact]
    public async Task Retries_stop_after_the_configured_attempts()
    {
        using var channel = GrpcChannel.ForAddress(Server.Address, new GrpcChannelOptions { MaxRetryAttempts = 2, InitialRetryBackoff = TimeSpan.FromMilliseconds(5) });
        var client = new TestServiceClient(channel);

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.EchoAsync(
            new EchoRequest { Message = "always-down", FailCode = (int)StatusCode.Unavailable }, idempotent: true));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal(3, Server.Recorder.Calls("always-down"));
    }

    [Fact]
    public async Task Unreachable_server_gives_unavailable()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{FreePort()}", new GrpcChannelOptions { MaxRetryAttempts = 1, InitialRetryBackoff = TimeSpan.FromMilliseconds(5) });

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestServiceClient(channel).EchoAsync(new EchoRequest(), idempotent: true));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
