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

    /// <summary>True when <paramref name="exception"/> is a unique-constraint violation.</summary>
    public static bool IsUniqueViolation(this Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
