using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using ScriptPlatform.LocalResources;

namespace ScriptPlatform.AppHost;

/// <summary>
/// Starts Postgres and RabbitMQ, then every service that has been built, waits until each is healthy,
/// prints what runs where, and on Ctrl+C or SIGTERM stops everything in reverse order.
/// </summary>
internal sealed class PlatformHost(IOptions<AppHostOptions> options, IHostApplicationLifetime lifetime, ILogger<PlatformHost> logger)
    : BackgroundService
{
    /// <summary>Printed once everything is up; scripts and tests wait for it.</summary>
    public const string ReadyLine = "ScriptPlatform is up.";

    private readonly AppHostOptions _options = options.Value;
    private readonly List<ServiceProcess> _services = [];
    private LocalInfrastructure? _infrastructure;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var root = RepositoryLayout.FindRoot();
            _infrastructure = await LocalInfrastructure.StartAsync(new LocalInfrastructureOptions
            {
                PostgresOptions = new LocalPostgresOptions
                {
                    DataDirectory = Path.Combine(root, _options.PostgresDataDirectory),
                    FastUnsafe = false,
                },
            }, stoppingToken);

            if (!_options.InfrastructureOnly)
            {
                await StartServicesAsync(root, stoppingToken);
            }
            PrintSummary();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped while starting; StopAsync cleans up.
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "The platform could not start.");
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        for (var i = _services.Count - 1; i >= 0; i--)
        {
            await _services[i].DisposeAsync();
        }
        if (_infrastructure is not null)
        {
            await _infrastructure.DisposeAsync();
        }
        Console.Out.WriteLine("ScriptPlatform stopped; nothing left running.");
    }

    private async Task StartServicesAsync(string root, CancellationToken cancellationToken)
    {
        foreach (var definition in ServiceCatalog.All)
        {
            var settings = _options.Services.GetValueOrDefault(definition.Name);
            if (settings is { Enabled: false })
            {
                continue;
            }
            var assembly = Path.Combine(root, "src", definition.Project, "bin", _options.Configuration, "net10.0", definition.Project + ".dll");
            if (!File.Exists(assembly))
            {
                logger.LogInformation("{Service} is not built (no {Assembly}); skipping it.", definition.Name, assembly);
                continue;
            }
            var port = settings?.Port is > 0 ? settings.Port : definition.DefaultPort;
            var service = ServiceProcess.Start(definition, port, assembly, await EnvironmentForAsync(definition, port, cancellationToken));
            _services.Add(service);
            await service.WaitUntilHealthyAsync(_options.HealthTimeout, cancellationToken);
        }
    }

    private async Task<Dictionary<string, string>> EnvironmentForAsync(ServiceDefinition definition, int port, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string>
        {
            // Unprefixed, so it outranks a service's own appsettings.json "Urls".
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["OTEL_SERVICE_NAME"] = definition.Name,
            // Health polls and per-request lines would drown the console; warnings and our own logs stay.
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["ScriptPlatform__ParentProcessId"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        };
        // Every service finds the others at their configured addresses.
        foreach (var other in ServiceCatalog.All)
        {
            var otherPort = _options.Services.GetValueOrDefault(other.Name)?.Port is > 0 and var p ? p : other.DefaultPort;
            environment[$"services__{other.Name}__http__0"] = $"http://127.0.0.1:{otherPort}";
        }
        if (definition.Database is { } database && _infrastructure!.PostgresConnectionString is { } postgres)
        {
            environment["ConnectionStrings__postgres"] = await EnsureDatabaseAsync(postgres, database, cancellationToken);
        }
        if (definition.UsesRabbitMq && _infrastructure!.RabbitMqConnectionString is { } rabbit)
        {
            environment["ConnectionStrings__rabbitmq"] = rabbit;
        }
        return environment;
    }

    /// <summary>One database per service on the shared server (created on first run).</summary>
    private static async Task<string> EnsureDatabaseAsync(string serverConnection, string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(serverConnection);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // Identifiers cannot be parameters; the name comes from the catalog, never from input.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        return new NpgsqlConnectionStringBuilder(serverConnection) { Database = database }.ConnectionString;
    }

    private void PrintSummary()
    {
        var lines = new List<string>
        {
            $"  postgres   {_infrastructure!.PostgresConnectionString}",
            $"  rabbitmq   {_infrastructure.RabbitMqConnectionString}",
        };
        lines.AddRange(_services.Select(s => $"  {s.Definition.Name,-10} {s.Address} (gRPC h2c, /health)"));
        Console.Out.WriteLine(string.Join(Environment.NewLine, ["", "ScriptPlatform services:", .. lines, "", ReadyLine + " Press Ctrl+C to stop."]));
    }
}
