using Npgsql;
using ScriptPlatform.Testing;

namespace ScriptPlatform.IntegrationTests.Foundation;

public sealed class PostgresTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_real_postgres_15_server_answers_queries_in_its_own_database()
    {
        var connectionString = await postgres.CreateDatabaseAsync("pgtest");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var ct = TestContext.Current.CancellationToken;

        var version = (string)(await dataSource.CreateCommand("SHOW server_version").ExecuteScalarAsync(ct))!;
        Assert.StartsWith("15.", version);

        await dataSource.CreateCommand("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)").ExecuteNonQueryAsync(ct);
        await using (var insert = dataSource.CreateCommand("INSERT INTO notes VALUES (1, $1)"))
        {
            insert.Parameters.AddWithValue("héllo wörld");
            await insert.ExecuteNonQueryAsync(ct);
        }
        var body = await dataSource.CreateCommand("SELECT body FROM notes WHERE id = 1").ExecuteScalarAsync(ct);
        Assert.Equal("héllo wörld", body);
    }
}
