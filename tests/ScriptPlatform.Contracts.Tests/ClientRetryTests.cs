using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Contracts.Grpc;

namespace ScriptPlatform.Contracts.Tests;

/// <summary>
/// The generated clients on a channel from <see cref="PlatformGrpcClients"/>, against a real h2c
/// server that answers every call UNAVAILABLE: each rpc goes to its own path, and only the rpcs the
/// protos mark NO_SIDE_EFFECTS are retried.
/// </summary>
public sealed class ClientRetryTests : IAsyncLifetime
{
    // Side-effect-free rpcs: reads, plus Summarise, Embed and Classify (pure functions of their input).
    private static readonly HashSet<string> ReadOnly =
    [
        "Search", "Load", "ListVersions", "Help", "GetStats", "ListAgentTools", "ListApiKeys", "GetScript", "WhoAmI",
        "GetBatch", "GetExecution", "ListExecutions",
        "Summarise", "Embed", "Classify",
        "GetSession", "ListPending",
    ];

    private readonly List<string> _paths = [];
    private WebApplication? _server;
    private Uri? _address;

    public static TheoryData<string, string> UnaryRpcs() =>
        [.. Contracts.Clients.SelectMany(c => c.Service.Methods.Where(m => !m.IsServerStreaming).Select(m => (c.Client.Name, m.Name)))];

    [Fact]
    public void The_retry_policy_covers_exactly_the_read_only_rpcs()
    {
        Assert.Equal(ReadOnly.Order(), PlatformGrpcClients.RetriableMethods.Select(m => m.Name).Order());
        var retry = Assert.Single(PlatformGrpcClients.ServiceConfig.MethodConfigs).RetryPolicy!;
        Assert.Equal([StatusCode.Unavailable], retry.RetryableStatusCodes);
    }

    [Theory]
    [MemberData(nameof(UnaryRpcs))]
    public async Task Only_read_only_rpcs_are_retried_when_the_server_is_unavailable(string clientName, string rpc)
    {
        var (type, service) = Contracts.Clients.Single(c => c.Client.Name == clientName);
        var method = service.Methods.Single(m => m.Name == rpc);
        using var channel = PlatformGrpcClients.CreateChannel(_address!);
        var client = Activator.CreateInstance(type, channel)!;

        var error = await Assert.ThrowsAsync<RpcException>(() => Invoke(client, method));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.All(_paths, p => Assert.Equal($"/{service.FullName}/{rpc}", p));
        Assert.Equal(ReadOnly.Contains(rpc) ? 5 : 1, _paths.Count);
    }

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.Run(async context =>
        {
            lock (_paths)
            {
                _paths.Add(context.Request.Path.Value!);
            }

            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "14";
            context.Response.Headers["grpc-message"] = "down for the test";
        });
        await _server.StartAsync(TestContext.Current.CancellationToken);
        _address = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private static async Task Invoke(object client, MethodDescriptor method)
    {
        var request = method.InputType.Parser.ParseFrom(ByteString.Empty);
        var call = client.GetType().GetMethod(method.Name + "Async", [method.InputType.ClrType, typeof(CallOptions)])!
            .Invoke(client, [request, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30))])!;
        await (Task)call.GetType().GetProperty("ResponseAsync")!.GetValue(call)!;
    }
}
