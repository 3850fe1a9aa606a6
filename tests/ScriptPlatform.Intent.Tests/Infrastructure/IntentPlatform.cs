using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Executor.Extensions;
using ScriptPlatform.Intent.Extensions;
using ScriptPlatform.Registry.Auth;
using ScriptPlatform.Registry.Extensions;
using ScriptPlatform.Registry.Search;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Intent.Tests.Infrastructure;

/// <summary>
/// The real platform Intent talks to, started in-process the way their own suites start them: one
/// Postgres and one RabbitMQ, the Registry (its own database, keys for alice, bob and a read-only
/// carol), the Executor (API + worker, bubblewrap sandbox, reading scripts from that Registry), and a
/// shared Intent host. Tests start more Intent hosts on the same database as other replicas. The
/// Intent benchmark (bench/intent) starts the same platform through this class.
/// </summary>
public sealed class IntentPlatform : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    private readonly RabbitMqFixture _rabbit = new();
    private readonly List<Func<Task>> _stops = [];
    private EmbeddingQueue _embeddings = null!;

    public Uri RegistryAddress { get; private set; } = null!;

    public Uri ExecutorAddress { get; private set; } = null!;

    public RegistryService.RegistryServiceClient Registry { get; private set; } = null!;

    public ExecutorService.ExecutorServiceClient Executor { get; private set; } = null!;

    /// <summary>The shared Intent host (10-minute expiry).</summary>
    public IntentHost Intent { get; private set; } = null!;

    public string AliceKey { get; private set; } = "";

    public string BobKey { get; private set; } = "";

    public string ReaderKey { get; private set; } = "";

    public static CallOptions As(string secret) =>
        new(headers: new Metadata { { "authorization", "Bearer " + secret } }, deadline: DateTime.UtcNow.AddSeconds(60));

    public CallOptions Alice => As(AliceKey);

    public CallOptions Bob => As(BobKey);

    public CallOptions Reader => As(ReaderKey);

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync().AsTask(), _rabbit.InitializeAsync().AsTask());
        await StartRegistryAsync();
        await StartExecutorAsync();
        Intent = await StartIntentAsync();
    }

    /// <summary>An Intent host over <paramref name="database"/> (a fresh one when null); a second host on the same database is another replica.</summary>
    public async Task<IntentHost> StartIntentAsync(string? database = null, IDictionary<string, string?>? settings = null)
    {
        database ??= await _postgres.CreateDatabaseAsync("intent");
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = database,
            [$"services:{PlatformServices.Registry}:http:0"] = RegistryAddress.ToString(),
            [$"services:{PlatformServices.Executor}:http:0"] = ExecutorAddress.ToString(),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var (app, address) = await LoopbackHost.StartAsync("ScriptPlatform.Intent", configuration, b => b.AddIntent(), a => a.MapIntent());
        var host = new IntentHost(app, address, database);
        _stops.Add(() => host.DisposeAsync().AsTask());
        return host;
    }

    /// <summary>Waits until the Registry has embedded what was published (it embeds after the commit), so search finds it by meaning.</summary>
    public async Task EmbeddedAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (_embeddings.Pending > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{_embeddings.Pending} published scripts still not embedded after 30 s");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    private async Task StartRegistryAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ApplicationName = "ScriptPlatform.Registry" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["ConnectionStrings:postgres"] = await _postgres.CreateDatabaseAsync("registry"),
            ["ConnectionStrings:rabbitmq"] = _rabbit.ConnectionString,
        });
        builder.Logging.ClearProviders();
        builder.AddRegistry();
        var app = builder.Build();
        app.MapRegistry();
        await app.StartAsync();
        _stops.Add(() => StopAsync(app));
        RegistryAddress = new Uri(Address(app));
        _embeddings = app.Services.GetRequiredService<EmbeddingQueue>();
        Registry = new RegistryService.RegistryServiceClient(GrpcChannel.ForAddress(RegistryAddress));
        var keys = app.Services.GetRequiredService<ApiKeyStore>();
        AliceKey = (await keys.CreateAsync("alice", "alice", [ApiKeyScope.Publish, ApiKeyScope.Run], null, "test", CancellationToken.None)).Secret;
        BobKey = (await keys.CreateAsync("bob", "bob", [ApiKeyScope.Publish, ApiKeyScope.Run], null, "test", CancellationToken.None)).Secret;
        ReaderKey = (await keys.CreateAsync("carol", "reader", [ApiKeyScope.Read], null, "test", CancellationToken.None)).Secret;
    }

    private async Task StartExecutorAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "ScriptPlatform.Executor", EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = await _postgres.CreateDatabaseAsync("executor"),
            ["ConnectionStrings:rabbitmq"] = _rabbit.ConnectionString,
            ["ScriptPlatform:Executor:QueuePrefix"] = "intent" + Guid.NewGuid().ToString("N")[..6],
            ["ScriptPlatform:Sandbox:Slots"] = "2",
            // Slot uids apart from the Executor suite's (64000+) and the default (61000), so suites can run side by side.
            ["ScriptPlatform:Sandbox:BaseUid"] = 62400.ToString(CultureInfo.InvariantCulture),
            ["ScriptPlatform:Sandbox:KillGraceMilliseconds"] = "100",
            [ExecutorExtensions.RegistryAddressKey] = RegistryAddress.ToString(),
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddExecutor();
        var app = builder.Build();
        app.MapExecutor();
        await app.StartAsync();
        _stops.Add(() => StopAsync(app));
        ExecutorAddress = new Uri(Address(app));
        Executor = new ExecutorService.ExecutorServiceClient(GrpcChannel.ForAddress(ExecutorAddress));
    }

    private static async Task StopAsync(WebApplication app)
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public async ValueTask DisposeAsync()
    {
        for (var i = _stops.Count - 1; i >= 0; i--)
        {
            await _stops[i]();
        }

        await _rabbit.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}

/// <summary>One Intent replica with a typed client.</summary>
public sealed class IntentHost(WebApplication app, Uri address, string database) : IAsyncDisposable
{
    public Uri Address { get; } = address;

    public string Database { get; } = database;

    public GrpcChannel Channel { get; } = GrpcChannel.ForAddress(address);

    public IntentService.IntentServiceClient Client => new(Channel);

    public IServiceProvider Services => app.Services;

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
