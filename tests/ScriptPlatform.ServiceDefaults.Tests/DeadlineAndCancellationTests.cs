namespace ScriptPlatform.ServiceDefaults.Tests;

public sealed class DeadlineAndCancellationTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private GrpcTestServer Server => shared.Server;

    [Fact]
    public async Task Deadline_reaches_the_handler()
    {
        var reply = await Server.Client.EchoAsync(new EchoRequest { Message = "deadline" }, deadline: DateTime.UtcNow.AddSeconds(60));

        Assert.InRange(reply.RemainingMs, 1, 60_000);
    }

    [Fact]
    public async Task Call_without_deadline_has_none_in_the_handler()
    {
        var reply = await Server.Client.EchoAsync(new EchoRequest { Message = "no-deadline" });

        Assert.Equal(-1, reply.RemainingMs);
    }

    [Fact]
    public async Task Expired_deadline_is_deadline_exceeded_and_cancels_the_handlers_token()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(
            new EchoRequest { Message = "slow", DelayMs = 60_000 }, deadline: DateTime.UtcNow.AddSeconds(1)).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await Server.Recorder.CancellationOf("slow").WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(1, Server.Recorder.Calls("slow"));
    }

    [Fact]
    public async Task Server_answers_deadline_exceeded_itself_when_grpc_timeout_passes()
    {
        // A raw request with a short grpc-timeout: the status comes from the server, not a client timer.
        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath,
            RawGrpc.Frame(new EchoRequest { Message = "raw-deadline", DelayMs = 60_000 }),
            headers: new Dictionary<string, string> { ["grpc-timeout"] = "200m" });

        Assert.Equal(StatusCode.DeadlineExceeded, response.GrpcStatus);
        await Server.Recorder.CancellationOf("raw-deadline").WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Server_stream_past_its_deadline_is_deadline_exceeded_and_cancels_the_handler()
    {
        // count 0 streams until cancelled.
        var response = await RawGrpc.PostAsync(Server.Address, $"/{GrpcTestServer.ServiceName}/Count",
            RawGrpc.Frame(new CountRequest { Count = 0, DelayMs = 50 }),
            headers: new Dictionary<string, string> { ["grpc-timeout"] = "300m" });

        Assert.Equal(StatusCode.DeadlineExceeded, response.GrpcStatus);
        await Server.Recorder.CancellationOf("count-0-50").WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Deadline_already_past_fails_without_calling_the_server()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(
            new EchoRequest { Message = "past" }, deadline: DateTime.UtcNow.AddSeconds(-1)).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(0, Server.Recorder.Calls("past"));
    }

    [Fact]
    public async Task Client_cancellation_is_cancelled_and_cancels_the_handlers_token()
    {
        using var cts = new CancellationTokenSource();
        using var call = Server.Client.EchoAsync(new EchoRequest { Message = "cancel-me", DelayMs = 60_000 }, cancellationToken: cts.Token);
        await WaitUntilAsync(() => Server.Recorder.Calls("cancel-me") == 1);

        await cts.CancelAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await Server.Recorder.CancellationOf("cancel-me").WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }
}
