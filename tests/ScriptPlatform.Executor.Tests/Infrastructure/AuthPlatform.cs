using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Executor.Extensions;
using ScriptPlatform.Registry.Auth;
using ScriptPlatform.Registry.Extensions;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Executor.Tests.Infrastructure;

/// <summary>
/// The real Registry (its own database, anonymous reads off, so every load needs a key) with keys for
/// an admin, a runner "rita" (run scope) and a reader "carol"; an Executor API that refuses anonymous
/// runs and trusts a key for <see cref="KeyCacheTtl"/>; and a separate worker (same log and queues)
/// that loads batch scripts with the Executor's own read key.
/// </summary>
public sealed class AuthPlatform(Platform platform) : IAsyncLifetime
{
    public const string ScriptName = "math_keyed_001";
    public const string WorkerId = "auth-worker";
    public static readonly TimeSpan KeyCacheTtl = TimeSpan.FromSeconds(1);

    private WebApplication _registry = null!;
    private GrpcChannel _registryChannel = null!;
    private ExecutorHost _worker = null!;

    public ExecutorHost Api { get; private set; } = null!;

    public RegistryService.RegistryServiceClient Registry { get; private set; } = null!;

    public ApiKeyStore Keys => _registry.Services.GetRequiredService<ApiKeyStore>();

    public string AdminSecret { get; private set; } = "";

    public string RunnerSecret { get; private set; } = "";

    public string ReaderSecret { get; private set; } = "";

    public static CallOptions As(string secret) => new(headers: BearerToken.For(secret));

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ApplicationName = "ScriptPlatform.Registry" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["ConnectionStrings:postgres"] = await platform.CreateDatabaseAsync("registry"),
            ["ConnectionStrings:rabbitmq"] = "",
            ["ScriptPlatform:Registry:AllowAnonymousReads"] = "false",
        });
        builder.Logging.ClearProviders();
        builder.AddRegistry();
        _registry = builder.Build();
        _registry.MapRegistry();
        await _registry.StartAsync();
        var address = _registry.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _registryChannel = GrpcChannel.ForAddress(address);
        Registry = new RegistryService.RegistryServiceClient(_registryChannel);

        AdminSecret = await CreateKeyAsync("root", ApiKeyScope.Admin);
        RunnerSecret = await CreateKeyAsync("rita", ApiKeyScope.Run);
        ReaderSecret = await CreateKeyAsync("carol", ApiKeyScope.Read);
        var workerSecret = await CreateKeyAsync("executor-worker", ApiKeyScope.Read);
        await Registry.PublishAsync(new PublishRequest { Name = ScriptName, Version = "1.0.0", Content = Scripts.Add, Changelog = "first" }, As(AdminSecret));

        var database = await platform.CreateDatabaseAsync();
        var queues = "a" + Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string?> Settings(string role, string? registryKey) => new()
        {
            [ExecutorExtensions.RegistryAddressKey] = address,
            ["ScriptPlatform:Executor:Role"] = role,
            ["ScriptPlatform:Executor:WorkerId"] = role == "Worker" ? WorkerId : "auth-api",
            ["ScriptPlatform:Executor:AllowAnonymousRuns"] = "false",
            ["ScriptPlatform:Executor:KeyCacheTtl"] = KeyCacheTtl.ToString(),
            ["ScriptPlatform:Executor:RegistryApiKey"] = registryKey,
        };
        Api = await ExecutorHost.StartAsync(platform, database, queues, Settings("Api", null));
        _worker = await ExecutorHost.StartAsync(platform, database, queues, Settings("Worker", workerSecret));
    }

    public async Task<string> CreateKeyAsync(string owner, ApiKeyScope scope) =>
        (await Keys.CreateAsync(owner, owner, [scope], null, "test", CancellationToken.None)).Secret;

    public async ValueTask DisposeAsync()
    {
        await _worker.DisposeAsync();
        await Api.DisposeAsync();
        _registryChannel.Dispose();
        await _registry.StopAsync();
        await _registry.DisposeAsync();
    }
}
