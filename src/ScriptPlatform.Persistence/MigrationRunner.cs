using Microsoft.Extensions.Logging;
using Npgsql;

namespace ScriptPlatform.Persistence;

/// <summary>
/// Applies pending <see cref="SqlMigration"/>s in version order, all in one transaction under a
/// Postgres advisory lock, and records each in <c>schema_migrations</c>. Safe to run from several
/// replicas starting at once (the lock serialises them; the second finds nothing to do) and on every
/// start (idempotent). A failing migration rolls back the whole run, leaving the schema as it was.
/// </summary>
public sealed partial class MigrationRunner(ILogger<MigrationRunner> logger)
{
    /// <summary>The tracking table; one per database (each service owns its database).</summary>
    public const string HistoryTable = "schema_migrations";

    /// <summary>
    /// Applies what is pending and returns the versions applied now. <paramref name="lockKey"/> names
    /// the advisory lock (any stable text; services sharing a database must use different tables, not keys).
    /// </summary>
    public async Task<IReadOnlyList<long>> ApplyAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<SqlMigration> migrations, string lockKey = "scriptplatform.migrations", CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(migrations);
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);

        // hashtext gives a stable 32-bit key from the text; the transaction-scoped lock is released by
        // commit or rollback, so a crashed start-up can never leave it held.
        await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext(@key))", ct, ("key", lockKey)).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"""
            CREATE TABLE IF NOT EXISTS {HistoryTable} (
                version bigint PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, ct).ConfigureAwait(false);

        var applied = new Dictionary<long, string>();
        await using (var read = new NpgsqlCommand($"SELECT version, checksum FROM {HistoryTable}", connection, transaction))
        await using (var reader = await read.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                applied[reader.GetInt64(0)] = reader.GetString(1);
            }
        }

        var done = new List<long>();
        foreach (var migration in migrations.OrderBy(m => m.Version))
        {
            if (applied.TryGetValue(migration.Version, out var checksum))
            {
                if (checksum != migration.Checksum)
                {
                    LogChecksumChanged(migration.Version, migration.Name);
                }

                continue;
            }

            await ExecuteAsync(connection, transaction, migration.Sql, ct).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, $"INSERT INTO {HistoryTable} (version, name, checksum) VALUES (@version, @name, @checksum)", ct,
                ("version", migration.Version), ("name", migration.Name), ("checksum", migration.Checksum)).ConfigureAwait(false);
            done.Add(migration.Version);
            LogApplied(migration.Version, migration.Name);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return done;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Version} {Name}")]
    private partial void LogApplied(long version, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration {Version} {Name} was edited after it was applied; the change is not re-applied. Add a new migration instead.")]
    private partial void LogChecksumChanged(long version, string name);
}
