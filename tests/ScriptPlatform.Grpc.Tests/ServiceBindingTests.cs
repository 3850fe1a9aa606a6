using Microsoft.Extensions.DependencyInjection;

namespace ScriptPlatform.Grpc.Tests;

public sealed class ServiceBindingTests
{
    [Fact]
    public async Task Method_with_a_wrong_signature_fails_start_up_with_a_clear_message()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => GrpcTestServer.StartAsync(
            map: app => app.MapGrpcService<WrongSignatureService>(TestReflection.Descriptor.Services[0])));

        Assert.Contains("WrongSignatureService.Echo", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Task<EchoReply> Echo(EchoRequest, ServerCallContext)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Services_are_created_per_call_with_scoped_dependencies()
    {
        await using var server = await GrpcTestServer.StartAsync(
            services: s => s.AddScoped<ScopedCounter>(),
            map: app => app.MapGrpcService<ScopedService>(TestReflection.Descriptor.Services[0]));

        var first = await server.Client.EchoAsync(new EchoRequest());
        var second = await server.Client.EchoAsync(new EchoRequest());

        Assert.Equal("1", first.Message);
        Assert.Equal("1", second.Message);
    }

    [Fact]
    public async Task Service_registered_in_di_is_resolved_from_the_request_scope()
    {
        await using var server = await GrpcTestServer.StartAsync(
            services: s => s.AddScoped<ScopedCounter>().AddScoped<ScopedService>(),
            map: app => app.MapGrpcService<ScopedService>(TestReflection.Descriptor.Services[0]));

        var reply = await server.Client.EchoAsync(new EchoRequest());

        Assert.Equal("1", reply.Message);
    }

    [Fact]
    public async Task Call_context_exposes_method_peer_and_http_context()
    {
        await using var server = await GrpcTestServer.StartAsync(
            services: s => s.AddScoped<ScopedCounter>(),
            map: app => app.MapGrpcService<ContextService>(TestReflection.Descriptor.Services[0]));

        var reply = await server.Client.EchoAsync(new EchoRequest());

        Assert.Equal("/scriptplatform.grpc.test.v1.TestService/Echo ipv4:127.0.0.1 POST", reply.Message);
    }

    public sealed class WrongSignatureService
    {
        public EchoReply Echo(EchoRequest request) => new();
    }

    public sealed class ScopedCounter
    {
        public int Count { get; set; }
    }

    public sealed class ScopedService(ScopedCounter counter)
    {
        public Task<EchoReply> Echo(EchoRequest request, ServerCallContext context)
        {
            counter.Count++;
            return Task.FromResult(new EchoReply { Message = counter.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
    }

    public sealed class ContextService
    {
        public Task<EchoReply> Echo(EchoRequest request, ServerCallContext context) => Task.FromResult(new EchoReply
        {
            Message = $"{context.Method} {context.Peer[..context.Peer.LastIndexOf(':')]} {context.GetHttpContext().Request.Method}",
        });
    }
}
