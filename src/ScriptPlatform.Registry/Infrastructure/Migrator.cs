using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ScriptPlatform.Persistence;

namespace ScriptPlatform.Registry.Infrastructure;

/// <summary>
/// The registry's schema: its embedded migrations (Infrastructure/Migrations/NNNN_name.sql), applied by the
/// shared <see cref="MigrationRunner"/> at start-up and by the admin command.
/// </summary>
public static class Migrator
{
    public const string ResourcePrefix = "ScriptPlatform.Registry.Migrations";
    public const string LockKey = "scriptplatform.registry.migrations";

    public static Task<IReadOnlyList<long>> MigrateAsync(
        NpgsqlDataSource dataSource, ILogger<MigrationRunner>? logger = null, CancellationToken cancellationToken = default) =>
        new MigrationRunner(logger ?? NullLogger<MigrationRunner>.Instance).ApplyAsync(
            dataSource, SqlMigration.FromEmbeddedResources(typeof(Migrator).Assembly, ResourcePrefix), LockKey, cancellationToken);
}
