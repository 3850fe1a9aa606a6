using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ScriptPlatform.Grpc.Tests;

/// <summary>Service tests elsewhere may use an in-memory TestServer instead of a port: the channel accepts its handler.</summary>
public sealed class InMemoryServerTests
{
    [Fact]
    public async Task Channel_works_over_an_in_memory_test_server()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddGrpcServer();
        builder.Services.AddSingleton<CallRecorder>();
        await using var app = builder.Build();
        app.MapGrpcService<TestServiceImpl>(TestReflection.Descriptor.Services[0]);
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = app.GetTestServer().CreateHandler() });
        var client = new TestServiceClient(channel);

        var reply = await client.EchoAsync(new EchoRequest { Message = "in-memory" });
        var failure = await Assert.ThrowsAsync<RpcException>(() => client.EchoAsync(new EchoRequest { FailCode = (int)StatusCode.AlreadyExists, FailMessage = "dup" }));
        var streamed = await client.CountAsync(new CountRequest { Count = 3 }).CountAsync(TestContext.Current.CancellationToken);

        Assert.Equal("in-memory", reply.Message);
        Assert.Equal(StatusCode.AlreadyExists, failure.StatusCode);
        Assert.Equal(3, streamed);
    }
}
