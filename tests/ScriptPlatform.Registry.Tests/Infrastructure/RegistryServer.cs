using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Auth;
using ScriptPlatform.Registry.Extensions;
using ScriptPlatform.Registry.Search;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Infrastructure;

/// <summary>
/// The real registry (same wiring as Program.cs) on a free loopback port over its own fresh
/// database, with a typed client and keys for an admin, a publisher "alice", a publisher "bob" and a
/// read-only key.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RegistryServer(WebApplication app, Uri address, string connectionString)
    {
        _app = app;
        Address = address;
        ConnectionString = connectionString;
        Channel = GrpcChannel.ForAddress(address);
        Client = new RegistryService.RegistryServiceClient(Channel);
    }

    public Uri Address { get; }

    public string ConnectionString { get; }

    public GrpcChannel Channel { get; }

    public RegistryService.RegistryServiceClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public string AdminSecret { get; private set; } = "";

    public string AliceSecret { get; private set; } = "";

    public string BobSecret { get; private set; } = "";

    public string ReaderSecret { get; private set; } = "";

    public CallOptions Admin => As(AdminSecret);

    public CallOptions Alice => As(AliceSecret);

    public CallOptions Bob => As(BobSecret);

    public CallOptions Reader => As(ReaderSecret);

    public static CallOptions As(string secret) => new(headers: new Metadata { { "authorization", "Bearer " + secret } });

    public static async Task<RegistryServer> StartAsync(
        PostgresFixture postgres, Dictionary<string, string?>? settings = null, string? rabbitMq = null, string? connectionString = null)
    {
        connectionString ??= await postgres.CreateDatabaseAsync("registry");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ApplicationName = "ScriptPlatform.Registry" });
        var config = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["ConnectionStrings:postgres"] = connectionString,
            ["ConnectionStrings:rabbitmq"] = rabbitMq ?? "",
        };
        foreach (var (k, v) in settings ?? [])
        {
            config[k] = v;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.AddRegistry();
        var app = builder.Build();
        app.MapRegistry();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new RegistryServer(app, new Uri(address), connectionString);
        var keys = app.Services.GetRequiredService<ApiKeyStore>();
        server.AdminSecret = (await keys.CreateAsync("root", "test admin", [ApiKeyScope.Admin], null, "test", CancellationToken.None)).Secret;
        server.AliceSecret = (await keys.CreateAsync("alice", "alice", [ApiKeyScope.Publish], null, "test", CancellationToken.None)).Secret;
        server.BobSecret = (await keys.CreateAsync("bob", "bob", [ApiKeyScope.Publish], null, "test", CancellationToken.None)).Secret;
        server.ReaderSecret = (await keys.CreateAsync("carol", "reader", [ApiKeyScope.Read], null, "test", CancellationToken.None)).Secret;
        return server;
    }

    /// <summary>
    /// Waits until every publish made so far is embedded and in the vector store (embedding runs after
    /// the publish returns); for tests about search, not about that delay.
    /// </summary>
    public async Task EmbeddedAsync()
    {
        var queue = Services.GetRequiredService<EmbeddingQueue>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (queue.Pending > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{queue.Pending} published scripts still not embedded after 30 s");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
