namespace ScriptPlatform.Grpc.Tests;

public sealed class UnaryCallTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private TestServiceClient Client => shared.Server.Client;

    [Fact]
    public async Task Unary_call_returns_the_response()
    {
        var reply = await Client.EchoAsync(new EchoRequest { Message = "hello" });

        Assert.Equal("hello", reply.Message);
    }

    [Fact]
    public async Task Error_status_and_message_reach_the_client_with_trailers()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.EchoAsync(
            new EchoRequest { Message = "fail", FailCode = (int)StatusCode.NotFound, FailMessage = "script 'x' not found: 100% gone, ünïcode\nline" }));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("script 'x' not found: 100% gone, ünïcode\nline", ex.Detail);
        Assert.Equal("yes", ex.Trailers.GetValue("x-failure"));
    }

    [Fact]
    public async Task Unhandled_exception_becomes_unknown_with_a_safe_message()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.EchoAsync(new EchoRequest { ThrowUnhandled = true }));

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.Equal("Exception was thrown by handler.", ex.Detail);
        Assert.DoesNotContain("secret", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detailed_errors_include_the_exception_message_when_enabled()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.EnableDetailedErrors = true);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.EchoAsync(new EchoRequest { ThrowUnhandled = true }));

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.Contains("secret internal detail", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_headers_reach_the_server_and_response_headers_and_trailers_reach_the_client()
    {
        var headers = new Metadata().Add("x-echo", "abc-123");

        var result = await Client.EchoWithMetadataAsync(new EchoRequest { Message = "md" }, new CallOptions(Headers: headers));

        Assert.Equal("abc-123", result.Response.EchoHeader);
        Assert.Equal("abc-123", result.ResponseHeaders.GetValue("x-echo-header"));
        Assert.Equal("abc-123", result.Trailers.GetValue("x-echo-trailer"));
    }

    [Fact]
    public async Task Binary_metadata_travels_base64_encoded_both_ways()
    {
        var headers = new Metadata().Add("x-data-bin", new byte[] { 0, 1, 2, 255 });

        var result = await Client.EchoWithMetadataAsync(new EchoRequest { Message = "bin" }, new CallOptions(Headers: headers));

        Assert.Equal(new byte[] { 255, 2, 1, 0 }, result.Trailers.GetValueBytes("x-data-bin"));
    }

    [Fact]
    public async Task Rpc_without_a_method_on_the_service_gets_unimplemented()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Client.NotImplementedAsync(new EchoRequest()));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Unknown_service_and_unknown_method_get_unimplemented()
    {
        var body = RawGrpc.Frame(new EchoRequest());

        var unknownService = await RawGrpc.PostAsync(shared.Server.Address, "/no.such.Service/Echo", body);
        var unknownMethod = await RawGrpc.PostAsync(shared.Server.Address, "/scriptplatform.grpc.test.v1.TestService/Nope", body);

        Assert.Equal(StatusCode.Unimplemented, unknownService.GrpcStatus);
        Assert.Equal(StatusCode.Unimplemented, unknownMethod.GrpcStatus);
    }

    [Fact]
    public void Rpc_name_not_in_the_descriptor_throws_at_once_on_the_client()
    {
        // Thrown by the call itself, not by the task it would return.
        var ex = Assert.Throws<ArgumentException>(() => { _ = Client.CallByNameAsync("Missing", new EchoRequest()); });

        Assert.Contains("Missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_concurrent_calls_share_the_channel()
    {
        var replies = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Client.EchoAsync(new EchoRequest { Message = $"c{i}" })));

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"c{i}"), replies.Select(r => r.Message));
    }
}
