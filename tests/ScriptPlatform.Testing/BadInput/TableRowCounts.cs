using Npgsql;

namespace ScriptPlatform.Testing.BadInput;

/// <summary>The number of rows of every table of a database (the migration history included): what a refused call must leave as it was.</summary>
public static class TableRowCounts
{
    public static async Task<SortedDictionary<string, long>> ReadAsync(NpgsqlDataSource database)
    {
        // One statement counting every table outside the system schemas, built from the catalogue.
        await using var build = database.CreateCommand(
            """
            SELECT string_agg(format('SELECT %L, count(*) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname), ' UNION ALL ')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            """);
        var query = (string)(await build.ExecuteScalarAsync())!;
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await using var command = database.CreateCommand(query);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }
}
