using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ScriptPlatform.ServiceDefaults;

/// <summary>Ready only while Postgres answers a query.</summary>
public sealed class PostgresHealthCheck(string connectionString) : IHealthCheck
{
    // Unpooled and short: a health probe must see the server as it is now, not a pooled connection.
    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString)
    {
        Pooling = false,
        Timeout = 3,
        CommandTimeout = 3,
    }.ConnectionString;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Postgres does not answer.", e);
        }
    }
}

public static class PostgresHealthCheckExtensions
{
    /// <summary>Adds a readiness check on the Postgres database behind <paramref name="connectionString"/>.</summary>
    public static IHealthChecksBuilder AddPostgres(this IHealthChecksBuilder builder, string connectionString, string name = "postgres") =>
        builder.AddCheck(name, new PostgresHealthCheck(connectionString), HealthStatus.Unhealthy, ["ready", "db"]);
}
