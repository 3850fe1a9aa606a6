using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.ServiceDefaults.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server on a free loopback port, configured the way every platform service is
/// (<see cref="GrpcServerDefaults.AddGrpcServerDefaults"/>, <see cref="GrpcServerDefaults.MapGrpcServerDefaults"/>),
/// serving the test service.
/// </summary>
public sealed class GrpcTestServer : IAsyncDisposable
{
    public const string ServiceName = "scriptplatform.defaults.test.v1.TestService";
    public const string EchoPath = "/" + ServiceName + "/Echo";

    private readonly WebApplication _app;

    private GrpcTestServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address);
        Client = new TestService.TestServiceClient(Channel);
    }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    public TestService.TestServiceClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public CallRecorder Recorder => Services.GetRequiredService<CallRecorder>();

    /// <param name="configure">Adds services or settings before the defaults are applied.</param>
    /// <param name="selfCheck">Registers the always-healthy "self" health check, as AddServiceDefaults does.</param>
    public static async Task<GrpcTestServer> StartAsync(Action<WebApplicationBuilder>? configure = null, bool selfCheck = true)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ApplicationName = "ScriptPlatform.ServiceDefaults.Tests" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Urls"] = "http://127.0.0.1:0" });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<CallRecorder>();
        if (selfCheck)
        {
            // As AddServiceDefaults registers it in every service: gRPC health of "" is UNKNOWN without any check.
            builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy());
        }

        configure?.Invoke(builder);
        builder.AddGrpcServerDefaults();

        var app = builder.Build();
        app.MapGrpcService<TestServiceImpl>();
        app.MapGrpcServerDefaults();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GrpcTestServer(app, new Uri(address));
    }

    /// <summary>A normal call on the shared channel, to show the server (and connection) still serves.</summary>
    public async Task AssertStillServingAsync(string message = "still-serving")
    {
        var reply = await Client.EchoAsync(new EchoRequest { Message = message }, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal(message, reply.Message);
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

        // Connect and JIT once, so the first test's deadline measures its call, not start-up.
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
