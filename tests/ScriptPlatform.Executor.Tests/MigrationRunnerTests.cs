using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ScriptPlatform.Executor.Infrastructure;
using ScriptPlatform.Executor.Tests.Infrastructure;
using ScriptPlatform.Persistence;

namespace ScriptPlatform.Executor.Tests;

/// <summary>The shared migration runner (ScriptPlatform.Persistence), exercised with the Executor's own migrations.</summary>
public sealed class MigrationRunnerTests(Platform platform)
{
    private static readonly IReadOnlyList<SqlMigration> ExecutorMigrations =
        SqlMigration.FromEmbeddedResources(typeof(ExecutionStore).Assembly, "ScriptPlatform.Executor.Migrations");

    private readonly MigrationRunner _runner = new(NullLogger<MigrationRunner>.Instance);

    [Fact]
    public async Task Migrations_are_found_in_version_order_and_applied_once_however_often_the_runner_starts()
    {
        await using var db = NpgsqlDataSource.Create(await platform.CreateDatabaseAsync());

        var first = await _runner.ApplyAsync(db, ExecutorMigrations, ct: TestContext.Current.CancellationToken);
        var second = await _runner.ApplyAsync(db, ExecutorMigrations, ct: TestContext.Current.CancellationToken);

        Assert.NotEmpty(ExecutorMigrations);
        Assert.Equal(ExecutorMigrations.Select(m => m.Version).Order(), ExecutorMigrations.Select(m => m.Version));
        Assert.Equal(ExecutorMigrations.Select(m => m.Version), first);
        Assert.Empty(second);
    }

    [Fact]
    public async Task Replicas_starting_at_once_apply_each_migration_exactly_once()
    {
        await using var db = NpgsqlDataSource.Create(await platform.CreateDatabaseAsync());

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _runner.ApplyAsync(db, ExecutorMigrations, ct: TestContext.Current.CancellationToken)));

        Assert.Single(runs, r => r.Count > 0);
        await using var count = db.CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal((long)ExecutorMigrations.Count, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_failing_migration_rolls_back_the_whole_run_and_leaves_no_partial_schema()
    {
        await using var db = NpgsqlDataSource.Create(await platform.CreateDatabaseAsync());
        SqlMigration[] migrations = [new(1, "good", "CREATE TABLE good (id int)"), new(2, "bad", "CREATE TABLE broken (id nonexistent_type)")];

        await Assert.ThrowsAsync<PostgresException>(() => _runner.ApplyAsync(db, migrations, ct: TestContext.Current.CancellationToken));

        await using var exists = db.CreateCommand("SELECT to_regclass('good') IS NULL AND to_regclass('schema_migrations') IS NULL");
        Assert.True((bool)(await exists.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
        var retried = await _runner.ApplyAsync(db, [migrations[0]], ct: TestContext.Current.CancellationToken);
        Assert.Equal([1L], retried);
    }
}
