using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Executor.Extensions;

namespace ScriptPlatform.Executor.Tests.Infrastructure;

/// <summary>A real Executor (the same wiring as Program.cs) on a free loopback port, with its own database and queues.</summary>
public sealed class ExecutorHost : IAsyncDisposable
{
    private static int _nextBaseUid = 64000;
    private readonly WebApplication _app;

    private ExecutorHost(WebApplication app, Uri address, string database, string queuePrefix)
    {
        _app = app;
        Database = database;
        QueuePrefix = queuePrefix;
        Address = address;
        Channel = GrpcChannel.ForAddress(address);
        Client = new ExecutorService.ExecutorServiceClient(Channel);
    }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    public ExecutorService.ExecutorServiceClient Client { get; }

    public string Database { get; }

    public string QueuePrefix { get; }

    public IServiceProvider Services => _app.Services;

    public EventRecorder Events => Services.GetRequiredService<EventRecorder>();

    /// <summary>Slot uids for a new sandbox, distinct per host so that their start-up sweeps never meet.</summary>
    public static int NextBaseUid() => Interlocked.Add(ref _nextBaseUid, 8) - 8;

    /// <summary>
    /// Starts a host; <paramref name="database"/> and <paramref name="queuePrefix"/> default to fresh ones.
    /// <paramref name="services"/> runs after the Executor's own registrations (to decorate one of them).
    /// </summary>
    public static async Task<ExecutorHost> StartAsync(
        Platform platform, string? database = null, string? queuePrefix = null, IDictionary<string, string?>? settings = null, bool registry = true,
        Action<IServiceCollection>? services = null)
    {
        database ??= await platform.CreateDatabaseAsync();
        queuePrefix ??= "t" + Guid.NewGuid().ToString("N")[..8];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "ScriptPlatform.Executor", EnvironmentName = "Development" });
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = database,
            ["ConnectionStrings:rabbitmq"] = platform.RabbitMq,
            ["ScriptPlatform:Executor:QueuePrefix"] = queuePrefix,
            ["ScriptPlatform:Sandbox:Slots"] = "2",
            ["ScriptPlatform:Sandbox:BaseUid"] = NextBaseUid().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ScriptPlatform:Sandbox:KillGraceMilliseconds"] = "100",
            // Most tests are about running, not keys: they run anonymously, as the AppHost's local platform
            // allows. AuthTests turn this off and use real keys of a real Registry.
            ["ScriptPlatform:Executor:AllowAnonymousRuns"] = "true",
            [ExecutorExtensions.RegistryAddressKey] = registry ? platform.Registry.Address : null,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter((_, level) => level >= LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<EventRecorder>();
        builder.AddExecutor(bus => bus.AddConsumer<RecordingConsumer>().Endpoint(e =>
        {
            e.Temporary = true;
            e.InstanceId = Guid.NewGuid().ToString("N")[..8];
        }));
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapExecutor();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ExecutorHost(app, new Uri(address), database, queuePrefix);
    }

    /// <summary>One value straight from the execution log (what the API does not expose, such as attempts).</summary>
    public async Task<T> ScalarAsync<T>(string sql, Guid id)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Every ScriptRunCompleted / BatchCompleted this host's bus heard (from any host on the broker).</summary>
public sealed class EventRecorder
{
    public ConcurrentQueue<ScriptRunCompleted> Runs { get; } = new();

    public ConcurrentQueue<BatchCompleted> Batches { get; } = new();

    public async Task<List<ScriptRunCompleted>> RunsOfAsync(Guid executionId, int atLeast = 1, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var found = Runs.Where(r => r.ExecutionId == executionId).ToList();
            if (found.Count >= atLeast || DateTime.UtcNow > deadline)
            {
                return found;
            }

            await Task.Delay(50);
        }
    }
}

public sealed class RecordingConsumer(EventRecorder recorder) : IConsumer<ScriptRunCompleted>, IConsumer<BatchCompleted>
{
    public Task Consume(ConsumeContext<ScriptRunCompleted> context)
    {
        recorder.Runs.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<BatchCompleted> context)
    {
        recorder.Batches.Enqueue(context.Message);
        return Task.CompletedTask;
    }
}
