using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ScriptPlatform.Persistence;

/// <summary>Where a service's migrations live: embedded <c>.sql</c> resources under a name prefix.</summary>
/// <param name="Assembly">The service assembly holding the embedded scripts.</param>
/// <param name="ResourcePrefix">Logical-name prefix of the scripts, e.g. <c>ScriptPlatform.Executor.Migrations</c>.</param>
/// <param name="LockKey">Advisory lock name (stable text).</param>
public sealed record MigrationSource(Assembly Assembly, string ResourcePrefix, string LockKey);

/// <summary>Applies the service's migrations when the host starts, before later hosted services (register it first).</summary>
internal sealed class MigrationHostedService(NpgsqlDataSource dataSource, MigrationSource source, MigrationRunner runner) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        runner.ApplyAsync(dataSource, SqlMigration.FromEmbeddedResources(source.Assembly, source.ResourcePrefix), source.LockKey, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the service's <see cref="NpgsqlDataSource"/> through Aspire.Npgsql (pooling, a
    /// readiness health check, tracing and metrics) from <c>ConnectionStrings:{connectionName}</c>,
    /// and a start-up step that applies the migrations embedded in <paramref name="assembly"/> under
    /// <paramref name="resourcePrefix"/>. Call it before registering anything that needs the schema at
    /// start-up (hosted services start in registration order).
    /// </summary>
    public static IHostApplicationBuilder AddPostgresWithMigrations(
        this IHostApplicationBuilder builder,
        string connectionName,
        Assembly assembly,
        string resourcePrefix,
        string? lockKey = null,
        Action<NpgsqlConnectionStringBuilder>? tune = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (string.IsNullOrEmpty(builder.Configuration.GetConnectionString(connectionName)))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is not set; the service keeps its data in Postgres (set ConnectionStrings__{connectionName}).");
        }

        builder.AddNpgsqlDataSource(connectionName, settings =>
        {
            if (tune is not null)
            {
                var csb = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
                tune(csb);
                settings.ConnectionString = csb.ConnectionString;
            }
        },
        // Only commands inside a trace (a call, a consumed message) become spans: background polling
        // such as the outbox dispatcher would otherwise fill the traces with a span every second.
        dataSource => dataSource.ConfigureTracing(tracing => tracing.ConfigureCommandFilter(_ => Activity.Current is not null)));
        builder.Services.AddSingleton(new MigrationSource(assembly, resourcePrefix, lockKey ?? resourcePrefix));
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHostedService<MigrationHostedService>();
        return builder;
    }
}
