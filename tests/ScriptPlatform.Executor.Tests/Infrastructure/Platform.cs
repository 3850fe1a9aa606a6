using ScriptPlatform.Testing;

[assembly: AssemblyFixture(typeof(ScriptPlatform.Executor.Tests.Infrastructure.Platform))]

namespace ScriptPlatform.Executor.Tests.Infrastructure;

/// <summary>
/// One real Postgres, one real RabbitMQ and a small Registry stand-in (a real gRPC server) for the
/// whole assembly, plus one shared Executor host (API + worker) that most tests use.
/// </summary>
public sealed class Platform : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    private readonly RabbitMqFixture _rabbit = new();
    private ExecutorHost? _shared;

    public string RabbitMq => _rabbit.ConnectionString;

    public TestRegistry Registry { get; private set; } = null!;

    /// <summary>The shared host: its own database and queue prefix, 2 slots.</summary>
    public ExecutorHost Shared => _shared ?? throw new InvalidOperationException("not started");

    public Task<string> CreateDatabaseAsync(string prefix = "executor") => _postgres.CreateDatabaseAsync(prefix);

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync().AsTask(), _rabbit.InitializeAsync().AsTask(), StartRegistryAsync());
        _shared = await ExecutorHost.StartAsync(this);
    }

    public async ValueTask DisposeAsync()
    {
        if (_shared is not null)
        {
            await _shared.DisposeAsync();
        }

        if (Registry is not null)
        {
            await Registry.DisposeAsync();
        }

        await _rabbit.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    private async Task StartRegistryAsync() => Registry = await TestRegistry.StartAsync();
}
