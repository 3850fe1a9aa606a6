using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Executor.Extensions;
using ScriptPlatform.Intent.Extensions;
using ScriptPlatform.Registry.Auth;
using ScriptPlatform.Registry.Extensions;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Cli.Tests.Infrastructure;

/// <summary>The tests that need the platform share one (the local tests start nothing).</summary>
[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}

/// <summary>
/// The real platform for sp's remote commands, started the way the services' own suites start them:
/// real Postgres and RabbitMQ, the Registry (Program.cs wiring) and the Executor (API + worker) on free
/// loopback ports, each over its own database; Generation in front of the scripted model (the one test
/// double: no LLM endpoint here) and Intent over those three; and an admin key.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    private readonly RabbitMqFixture _rabbit = new();
    private readonly List<WebApplication> _apps = [];

    public string RegistryAddress { get; private set; } = "";

    public string ExecutorAddress { get; private set; } = "";

    public string AdminKey { get; private set; } = "";

    public string GenerationAddress { get; private set; } = "";

    public string IntentAddress { get; private set; } = "";

    /// <summary>Generation's drafting model. The collection's tests run one at a time, so each scripts its own replies.</summary>
    public ScriptedModelServer Model { get; private set; } = null!;

    /// <summary>Repair attempts Generation makes after a draft fails validation (a garbage-answering model is asked 1 + this many times).</summary>
    public const int MaxRepairs = 1;

    private GenerationHost _generation = null!;

    public IServiceProvider RegistryServices => _apps[0].Services;

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync().AsTask(), _rabbit.InitializeAsync().AsTask());
        var (registry, registryAddress) = await StartAsync(RegistryBuilder(await _postgres.CreateDatabaseAsync("registry"), "Testing", null));
        RegistryAddress = registryAddress;
        AdminKey = (await registry.Services.GetRequiredService<ApiKeyStore>().CreateAsync("root", "cli tests", [ApiKeyScope.Admin], null, "test", CancellationToken.None)).Secret;

        var executor = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "ScriptPlatform.Executor", EnvironmentName = "Development" });
        executor.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = await _postgres.CreateDatabaseAsync("executor"),
            ["ConnectionStrings:rabbitmq"] = _rabbit.ConnectionString,
            ["ScriptPlatform:Executor:QueuePrefix"] = "cli" + Guid.NewGuid().ToString("N")[..6],
            ["ScriptPlatform:Sandbox:Slots"] = "2",
            ["ScriptPlatform:Sandbox:BaseUid"] = "63900",
            [ExecutorExtensions.RegistryAddressKey] = RegistryAddress,
        });
        executor.Logging.ClearProviders();
        executor.WebHost.UseUrls("http://127.0.0.1:0");
        executor.AddExecutor();
        var executorApp = executor.Build();
        executorApp.MapExecutor();
        (_, ExecutorAddress) = await StartAsync(executorApp);

        Model = await ScriptedModelServer.StartAsync();
        _generation = await GenerationHost.WithModelAsync(Model, settings: new Dictionary<string, string?>
        {
            ["ScriptPlatform:Generation:DefaultMaxRepairs"] = MaxRepairs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Apart from the Executor's slots (63900) and the sp instances' (63000 up).
            ["ScriptPlatform:Sandbox:BaseUid"] = "63800",
        });
        GenerationAddress = _generation.Address.ToString();
        var (intent, intentAddress) = await LoopbackHost.StartAsync("ScriptPlatform.Intent", new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = await _postgres.CreateDatabaseAsync("intent"),
            [$"services:{PlatformServices.Registry}:http:0"] = RegistryAddress,
            [$"services:{PlatformServices.Executor}:http:0"] = ExecutorAddress,
            [$"services:{PlatformServices.Generation}:http:0"] = GenerationAddress,
        }, b => b.AddIntent(), a => a.MapIntent());
        _apps.Add(intent);
        IntentAddress = intentAddress.ToString();
    }

    /// <summary>A second Registry over a fresh database, in the given environment, with extra settings.</summary>
    public async Task<(WebApplication App, string Address)> StartRegistryAsync(string environment, Dictionary<string, string?> settings) =>
        await StartAsync(RegistryBuilder(await _postgres.CreateDatabaseAsync("registry"), environment, settings));

    public async ValueTask DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        await _generation.DisposeAsync();
        await Model.DisposeAsync();

        await _rabbit.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    private WebApplication RegistryBuilder(string database, string environment, Dictionary<string, string?>? settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment, ApplicationName = "ScriptPlatform.Registry" });
        var config = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["ConnectionStrings:postgres"] = database,
            ["ConnectionStrings:rabbitmq"] = _rabbit.ConnectionString,
        };
        foreach (var (key, value) in settings ?? [])
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.AddRegistry();
        var app = builder.Build();
        app.MapRegistry();
        return app;
    }

    private async Task<(WebApplication App, string Address)> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        _apps.Add(app);
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }
}
