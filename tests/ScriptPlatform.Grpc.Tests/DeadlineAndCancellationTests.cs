namespace ScriptPlatform.Grpc.Tests;

public sealed class DeadlineAndCancellationTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private GrpcTestServer Server => shared.Server;

    [Fact]
    public async Task Deadline_reaches_the_server_as_grpc_timeout()
    {
        var reply = await Server.Client.EchoAsync(new EchoRequest { Message = "deadline" }, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(30)));

        Assert.InRange(reply.RemainingMs, 25_000, 30_000);
    }

    [Fact]
    public async Task Call_without_deadline_has_none_on_the_server()
    {
        var reply = await Server.Client.EchoAsync(new EchoRequest { Message = "no-deadline" });

        Assert.Equal(-1, reply.RemainingMs);
    }

    [Fact]
    public async Task Expired_deadline_gets_deadline_exceeded_and_cancels_the_server_handler()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(
            new EchoRequest { Message = "slow", DelayMs = 10_000 }, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(1))));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(1, Server.Recorder.Calls("slow"));
        await Server.Recorder.CancellationOf("slow").WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Server_answers_deadline_exceeded_itself_when_its_deadline_passes()
    {
        // A raw request whose grpc-timeout is short: the status comes from the server, not a client timer.
        var response = await RawGrpc.PostAsync(
            Server.Address,
            "/scriptplatform.grpc.test.v1.TestService/Echo",
            RawGrpc.Frame(new EchoRequest { Message = "raw-deadline", DelayMs = 10_000 }),
            headers: new Dictionary<string, string> { ["grpc-timeout"] = "100m" });

        Assert.Equal(StatusCode.DeadlineExceeded, response.GrpcStatus);
    }

    [Fact]
    public async Task Deadline_already_past_fails_without_calling_the_server()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(
            new EchoRequest { Message = "past" }, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1))));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(0, Server.Recorder.Calls("past"));
    }

    [Fact]
    public async Task Client_cancellation_gets_cancelled_and_cancels_the_server_handler()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(
            new EchoRequest { Message = "cancel-me", DelayMs = 10_000 }, new CallOptions(CancellationToken: cts.Token)));

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await Server.Recorder.CancellationOf("cancel-me").WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Deadline_too_far_away_counts_as_none()
    {
        var reply = await Server.Client.EchoAsync(new EchoRequest { Message = "far" }, new CallOptions(Deadline: DateTime.MaxValue));
        var raw = await RawGrpc.PostAsync(Server.Address, "/scriptplatform.grpc.test.v1.TestService/Echo", RawGrpc.Frame(new EchoRequest { Message = "far-raw" }),
            headers: new Dictionary<string, string> { ["grpc-timeout"] = "99999999H" });

        Assert.Equal(-1, reply.RemainingMs);
        Assert.Equal(-1, raw.Messages(EchoReply.Parser).Single().RemainingMs);
    }
}
