using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScriptPlatform.LocalResources;

namespace ScriptPlatform.AppHost.Resources;

/// <summary>PostgreSQL from the Debian binaries, run by DCP as an executable resource.</summary>
public sealed class LocalPostgresResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    private EndpointReference? _endpoint;

    public EndpointReference Endpoint => _endpoint ??= new(this, EndpointName);

    /// <summary>The server, as the postgres superuser (trust auth, loopback only); databases add their name.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};Username=postgres");
}

/// <summary>One service's database on a Postgres server (local or external).</summary>
public sealed class ServiceDatabaseResource(string name, string databaseName, IResourceWithConnectionString server)
    : Resource(name), IResourceWithParent<IResourceWithConnectionString>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public IResourceWithConnectionString Parent { get; } = server;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}

public static class LocalPostgresExtensions
{
    /// <summary>
    /// A Postgres server: the one at <c>ConnectionStrings:postgres</c> when configured (nothing is
    /// provisioned), a podman container in the container mode, otherwise a local server from the
    /// Debian binaries with its data under <paramref name="dataDirectory"/>, initialised once by a
    /// one-shot <c>initdb</c> resource.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddPostgresServer(this IDistributedApplicationBuilder builder, string name, string dataDirectory)
    {
        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(name)))
        {
            return builder.AddConnectionString(name);
        }

        if (builder.UsesContainers())
        {
            return builder.AddPostgresContainer(name, ContainerDataDirectory(dataDirectory));
        }

        var bin = LocalPostgres.FindBinDirectory();
        var asPostgresUser = Environment.UserName == "root";
        // DCP starts processes in an existing folder; initdb creates the data folder itself.
        var workingDirectory = Path.GetDirectoryName(dataDirectory)!;
        Directory.CreateDirectory(workingDirectory);
        var init = builder.AddExecutable($"{name}-init", "/bin/sh", workingDirectory,
                "-c", InitScript, "initdb", dataDirectory, bin, asPostgresUser ? "postgres" : "")
            .WithIconName("DatabaseArrowUp")
            .ExcludeFromManifest();

        string[] server = [Path.Combine(bin, "postgres"), "-D", dataDirectory, "-c", "unix_socket_directories=", .. LocalPostgres.ServerSettings(fastUnsafe: false)];
        var postgres = builder.AddResource(new LocalPostgresResource(name, "/bin/sh", workingDirectory))
            .WithArgs(["-c", ServeScript, "postgres", .. asPostgresUser ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : Array.Empty<string>(), .. server])
            // postgres reads its port from PGPORT; DCP picks the port and proxies it.
            .WithEndpoint(name: LocalPostgresResource.EndpointName, env: "PGPORT", scheme: "tcp")
            .WithIconName("Database")
            .WaitForCompletion(init)
            .ExcludeFromManifest();

        var healthKey = $"{name}-accepts-queries";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthKey,
            _ => new PostgresHealthCheck(postgres.Resource), HealthStatus.Unhealthy, []));
        return postgres.WithHealthCheck(healthKey);
    }

    /// <summary>The container mode's data: beside the executable mode's, since the owners inside differ.</summary>
    internal static string ContainerDataDirectory(string dataDirectory) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDirectory))!, "containers", Path.GetFileName(dataDirectory));

    /// <summary>
    /// A database of its own for one service. It is created (if missing) as soon as its server takes
    /// connections, then reported Running; its health check connects to it.
    /// </summary>
    public static IResourceBuilder<ServiceDatabaseResource> AddDatabase(this IResourceBuilder<IResourceWithConnectionString> server, string name, string databaseName)
    {
        var builder = server.ApplicationBuilder;
        var database = builder.AddResource(new ServiceDatabaseResource(name, databaseName, server.Resource))
            .WithIconName("DatabaseStack")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new("database", databaseName)],
            })
            .ExcludeFromManifest();
        builder.Eventing.Subscribe<InitializeResourceEvent>(database.Resource, (e, ct) =>
        {
            // In the background: initialisation of the other resources must not wait for this server.
            _ = CreateWhenServerAnswersAsync(database.Resource, e, ct);
            return Task.CompletedTask;
        });

        var healthKey = $"{name}-accepts-queries";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthKey,
            _ => new PostgresHealthCheck(database.Resource), HealthStatus.Unhealthy, []));
        return database.WithHealthCheck(healthKey);
    }

    private static async Task CreateWhenServerAnswersAsync(ServiceDatabaseResource database, InitializeResourceEvent e, CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var server = await database.Parent.ConnectionStringExpression.GetValueAsync(ct);
                await CreateIfMissingAsync(new NpgsqlConnectionStringBuilder(server) { Pooling = false, Timeout = 3, Database = "postgres" }.ConnectionString, database.DatabaseName, ct);
                await e.Notifications.PublishUpdateAsync(database, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow });
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The server is still starting (or an external one is unreachable): try again shortly.
                if (++attempt % 30 == 0)
                {
                    e.Logger.LogWarning("Database {Database} cannot be created yet: {Reason}", database.DatabaseName, ex.Message);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    private static async Task CreateIfMissingAsync(string server, string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }

        // Identifiers cannot be parameters; the name is one of the AppHost's own constants, quoted anyway.
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another AppHost run created it at the same moment.
        }
    }

    // $1 data directory, $2 binaries, $3 user to run initdb as (empty: the current one).
    private const string InitScript = """
        set -e
        if [ -f "$1/PG_VERSION" ]; then echo "data directory $1 exists"; exit 0; fi
        mkdir -p "$1"
        if [ -n "$3" ]; then
          chown "$3:$3" "$1"
          exec setpriv --reuid="$3" --regid="$3" --init-groups -- "$2/initdb" -D "$1" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync
        fi
        exec "$2/initdb" -D "$1" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync
        """;

    // Runs the server in the foreground for DCP; DCP's stop signal becomes a fast shutdown (SIGINT), since
    // postgres answers SIGTERM with a smart shutdown that waits for every client to leave.
    private const string ServeScript = """
        "$@" &
        pid=$!
        trap 'kill -INT "$pid" 2>/dev/null' TERM INT
        wait "$pid"
        wait "$pid"
        """;
}

/// <summary>Healthy once the server (or database) answers a query.</summary>
internal sealed class PostgresHealthCheck(IResourceWithConnectionString resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 }.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Postgres does not answer yet.", e);
        }
    }
}
