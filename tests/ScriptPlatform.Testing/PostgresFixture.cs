using Npgsql;
using ScriptPlatform.LocalResources;
using Xunit;

namespace ScriptPlatform.Testing;

/// <summary>
/// One real PostgreSQL server per test assembly (register with
/// <c>[assembly: AssemblyFixture(typeof(PostgresFixture))]</c>); each test takes its own database.
/// Uses <c>ConnectionStrings__postgres</c> instead when it is set.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private LocalInfrastructure? _infrastructure;

    /// <summary>Connection string of the server's maintenance database.</summary>
    public string ConnectionString => _infrastructure?.PostgresConnectionString
        ?? throw new InvalidOperationException("The Postgres fixture has not started.");

    public async ValueTask InitializeAsync() =>
        _infrastructure = await LocalInfrastructure.StartAsync(new LocalInfrastructureOptions { RabbitMq = false });

    /// <summary>Creates a fresh, uniquely named database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 17, 63)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_infrastructure is not null)
        {
            await _infrastructure.DisposeAsync();
        }
    }
}
