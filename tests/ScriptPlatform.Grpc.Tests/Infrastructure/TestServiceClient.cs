namespace ScriptPlatform.Grpc.Tests.Infrastructure;

/// <summary>A typed client written the way the platform's clients are: rpc names, descriptor, options.</summary>
public sealed class TestServiceClient(GrpcChannel channel) : GrpcClientBase(channel, TestReflection.Descriptor.Services[0])
{
    public Task<EchoReply> EchoAsync(EchoRequest request, CallOptions? options = null, bool idempotent = false) =>
        UnaryAsync<EchoRequest, EchoReply>("Echo", request, options, idempotent);

    public Task<UnaryCallResult<EchoReply>> EchoWithMetadataAsync(EchoRequest request, CallOptions? options = null) =>
        UnaryCallAsync<EchoRequest, EchoReply>("Echo", request, options);

    public IAsyncEnumerable<CountReply> CountAsync(CountRequest request, CallOptions? options = null) =>
        ServerStreamingAsync<CountRequest, CountReply>("Count", request, options);

    public Task<EchoReply> NotImplementedAsync(EchoRequest request) =>
        UnaryAsync<EchoRequest, EchoReply>("NotImplemented", request);

    /// <summary>Calls an rpc by any name, to check that unknown names are refused.</summary>
    public Task<EchoReply> CallByNameAsync(string method, EchoRequest request) =>
        UnaryAsync<EchoRequest, EchoReply>(method, request);
}
