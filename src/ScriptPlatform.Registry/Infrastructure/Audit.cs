using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace ScriptPlatform.Registry.Infrastructure;

/// <summary>The audit log: one row per write, inside the write's own transaction.</summary>
public static class Audit
{
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string actor, string action, string target, object details, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("INSERT INTO audit_log (actor, action, target, details) VALUES (@actor, @action, @target, @details)", connection, transaction);
        command.Parameters.AddWithValue("actor", actor);
        command.Parameters.AddWithValue("action", action);
        command.Parameters.AddWithValue("target", target);
        command.Parameters.Add(new NpgsqlParameter("details", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(details) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
