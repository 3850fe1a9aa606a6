using System.Reflection;
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
    /// Registers a pooled <see cref="NpgsqlDataSource"/> for <paramref name="connectionString"/> and a
    /// start-up step that applies the migrations embedded in <paramref name="assembly"/> under
    /// <paramref name="resourcePrefix"/>. Call it before registering anything that needs the schema
    /// at start-up (hosted services start in registration order).
    /// </summary>
    public static IServiceCollection AddPostgresWithMigrations(
        this IServiceCollection services, string connectionString, Assembly assembly, string resourcePrefix, string? lockKey = null)
    {
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton(new MigrationSource(assembly, resourcePrefix, lockKey ?? resourcePrefix));
        services.AddSingleton<MigrationRunner>();
        services.AddHostedService<MigrationHostedService>();
        return services;
    }
}
