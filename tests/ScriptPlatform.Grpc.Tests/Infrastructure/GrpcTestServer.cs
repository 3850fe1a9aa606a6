using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ScriptPlatform.Grpc.Tests.Infrastructure;

/// <summary>A real Kestrel server on a free loopback port with the test service, health and reflection.</summary>
public sealed class GrpcTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcTestServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address);
        Client = new TestServiceClient(Channel);
    }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    public TestServiceClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public CallRecorder Recorder => Services.GetRequiredService<CallRecorder>();

    public static async Task<GrpcTestServer> StartAsync(
        Action<GrpcServerOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureGrpcKestrel(port: 0);
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcServer(configure);
        builder.Services.AddSingleton<CallRecorder>();
        services?.Invoke(builder.Services);

        var app = builder.Build();
        if (map is null)
        {
            app.MapGrpcService<TestServiceImpl>(TestReflection.Descriptor.Services[0]);
            app.MapGrpcInfrastructure();
        }
        else
        {
            map(app);
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GrpcTestServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One server shared by the tests of a class that need no special configuration.</summary>
public sealed class SharedServer : IAsyncLifetime
{
    private GrpcTestServer? _server;

    public GrpcTestServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync()
    {
        _server = await GrpcTestServer.StartAsync();

        // Connect and JIT once, so timing-sensitive tests (deadlines) measure calls, not start-up.
        await _server.Client.EchoAsync(new EchoRequest { Message = "warm-up" });
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
