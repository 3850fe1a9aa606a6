using Npgsql;

namespace ScriptPlatform.Persistence;

/// <summary>Tiny helpers for parameterised commands (never string-built SQL).</summary>
public static class NpgsqlExtensions
{
    /// <summary>Adds a parameter, mapping null to DBNull.</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>The column as a nullable value.</summary>
    public static T? GetNullable<T>(this NpgsqlDataReader reader, int ordinal)
        where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    /// <summary>The column as text, or null.</summary>
    public static string? GetStringOrNull(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>
    /// Settings for a service's hot statements.
    /// <para>Npgsql prepares statements by itself (after 2 uses, up to 64 per connection, unless the connection string sets
    /// Max Auto Prepare): a prepared statement skips Postgres's parse and plan on every call, which for the Executor's
    /// per-job statements (CTEs that end a run, count it off its batch and queue its events) is most of their cost.</para>
    /// <para>No reset when a pooled connection is handed out again: to keep the prepared statements, Npgsql's reset is
    /// seven statements (SET SESSION AUTHORIZATION DEFAULT, RESET ALL, CLOSE ALL, UNLISTEN *, pg_advisory_unlock_all(),
    /// DISCARD SEQUENCES, DISCARD TEMP) run before the next command of every checkout, several times per job. The services
    /// leave no session state for them to clear: no SET, no LISTEN, no temporary table, no cursor WITH HOLD, and advisory
    /// locks are transaction locks (an open transaction is still rolled back when a connection is returned).</para>
    /// </summary>
    public static void TuneForHotStatements(NpgsqlConnectionStringBuilder connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (connectionString.MaxAutoPrepare == 0)
        {
            connectionString.MaxAutoPrepare = 64;
            connectionString.AutoPrepareMinUsages = 2;
        }

        connectionString.NoResetOnClose = true;
    }

    /// <summary>True when <paramref name="exception"/> is a unique-constraint violation.</summary>
    public static bool IsUniqueViolation(this Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
