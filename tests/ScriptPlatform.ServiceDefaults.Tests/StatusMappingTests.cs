namespace ScriptPlatform.ServiceDefaults.Tests;

/// <summary>What status a caller gets for each way a handler can end (ErrorMappingInterceptor and grpc-dotnet).</summary>
public sealed class StatusMappingTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private GrpcTestServer Server => shared.Server;

    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(30);

    [Fact]
    public async Task Unary_call_returns_the_response()
    {
        var reply = await Server.Client.EchoAsync(new EchoRequest { Message = "hello" }, deadline: Deadline);

        Assert.Equal("hello", reply.Message);
    }

    [Fact]
    public async Task RpcException_status_message_and_trailers_reach_the_client()
    {
        const string message = "script 'x' not found: 100% gone, ünïcode\nline";

        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(
            new EchoRequest { Message = "fail", FailCode = (int)StatusCode.NotFound, FailMessage = message }, deadline: Deadline).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal(message, ex.Status.Detail);
        Assert.Equal("yes", ex.Trailers.GetValue("x-failure"));
    }

    [Fact]
    public async Task Unhandled_exception_is_unknown_without_the_exception_message()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(new EchoRequest { ThrowUnhandled = true }, deadline: Deadline).ResponseAsync);

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.Equal("Exception was thrown by handler.", ex.Status.Detail);
    }

    [Fact]
    public async Task Dependency_timeout_is_unavailable_without_the_exception_message()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(new EchoRequest { ThrowTimeout = true }, deadline: Deadline).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.DoesNotContain("secret", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_and_response_headers_and_trailers_travel_both_ways()
    {
        using var call = Server.Client.EchoAsync(new EchoRequest { Message = "md" }, new Metadata { { "x-echo", "abc-123" } }, Deadline);

        var reply = await call.ResponseAsync;

        Assert.Equal("abc-123", reply.EchoHeader);
        Assert.Equal("abc-123", (await call.ResponseHeadersAsync).GetValue("x-echo-header"));
        Assert.Equal("abc-123", call.GetTrailers().GetValue("x-echo-trailer"));
    }

    [Fact]
    public async Task Rpc_the_service_does_not_implement_is_unimplemented()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.NotImplementedAsync(new EchoRequest(), deadline: Deadline).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Unknown_service_and_unknown_method_are_unimplemented()
    {
        var body = RawGrpc.Frame(new EchoRequest());

        var unknownService = await RawGrpc.PostAsync(Server.Address, "/no.such.Service/Echo", body);
        var unknownMethod = await RawGrpc.PostAsync(Server.Address, $"/{GrpcTestServer.ServiceName}/Nope", body);

        Assert.Equal(StatusCode.Unimplemented, unknownService.GrpcStatus);
        Assert.Equal(StatusCode.Unimplemented, unknownMethod.GrpcStatus);
    }

    [Fact]
    public async Task Server_stream_delivers_every_reply_then_the_final_status()
    {
        using var call = Server.Client.Count(new CountRequest { Count = 3, FailCode = (int)StatusCode.Aborted }, deadline: Deadline);
        var indexes = new List<int>();

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var reply in call.ResponseStream.ReadAllAsync(TestContext.Current.CancellationToken))
            {
                indexes.Add(reply.Index);
            }
        });

        Assert.Equal([1, 2, 3], indexes);
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("failed after the stream", ex.Status.Detail);
    }
}
