namespace ScriptPlatform.LocalResources;

/// <summary>Which servers to provide.</summary>
public sealed record LocalInfrastructureOptions
{
    public bool Postgres { get; init; } = true;
    public bool RabbitMq { get; init; } = true;
    public LocalPostgresOptions PostgresOptions { get; init; } = new();
    public LocalRabbitMqOptions RabbitMqOptions { get; init; } = new();
}

/// <summary>
/// Postgres and RabbitMQ for the AppHost and the tests. When <c>ConnectionStrings__postgres</c> or
/// <c>ConnectionStrings__rabbitmq</c> is set, that server is used as it is and nothing is provisioned.
/// </summary>
public sealed class LocalInfrastructure : IAsyncDisposable
{
    public const string PostgresConnectionName = "postgres";
    public const string RabbitMqConnectionName = "rabbitmq";

    private LocalInfrastructure(LocalPostgres? postgres, LocalRabbitMq? rabbitMq, string? postgresConnection, string? rabbitConnection)
    {
        Postgres = postgres;
        RabbitMq = rabbitMq;
        PostgresConnectionString = postgresConnection;
        RabbitMqConnectionString = rabbitConnection;
    }

    /// <summary>The provisioned server, or null when an existing one was configured.</summary>
    public LocalPostgres? Postgres { get; }

    /// <summary>The provisioned node, or null when an existing one was configured.</summary>
    public LocalRabbitMq? RabbitMq { get; }

    public string? PostgresConnectionString { get; }

    public string? RabbitMqConnectionString { get; }

    public static async Task<LocalInfrastructure> StartAsync(LocalInfrastructureOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalInfrastructureOptions();
        var existingPostgres = Existing(PostgresConnectionName);
        var existingRabbit = Existing(RabbitMqConnectionName);

        // Both start in parallel: RabbitMQ's boot (about 5 s) dominates.
        var postgresTask = StartPostgresAsync();
        var rabbitTask = StartRabbitMqAsync();
        try
        {
            await Task.WhenAll(postgresTask, rabbitTask);
        }
        catch
        {
            await DisposeStarted(postgresTask, rabbitTask);
            throw;
        }

        async Task<LocalPostgres?> StartPostgresAsync() => options.Postgres && existingPostgres is null
            ? await LocalPostgres.StartAsync(options.PostgresOptions, cancellationToken)
            : null;
        async Task<LocalRabbitMq?> StartRabbitMqAsync() => options.RabbitMq && existingRabbit is null
            ? await LocalRabbitMq.StartAsync(options.RabbitMqOptions, cancellationToken)
            : null;

        var postgres = await postgresTask;
        var rabbit = await rabbitTask;
        return new LocalInfrastructure(
            postgres, rabbit,
            options.Postgres ? existingPostgres ?? postgres!.ConnectionString : null,
            options.RabbitMq ? existingRabbit ?? rabbit!.ConnectionString : null);
    }

    public async ValueTask DisposeAsync()
    {
        // Stop both at once; RabbitMQ's shutdown takes seconds.
        await Task.WhenAll(
            Postgres?.DisposeAsync().AsTask() ?? Task.CompletedTask,
            RabbitMq?.DisposeAsync().AsTask() ?? Task.CompletedTask);
    }

    private static string? Existing(string name) =>
        Environment.GetEnvironmentVariable($"ConnectionStrings__{name}") is { Length: > 0 } value ? value : null;

    private static async Task DisposeStarted(Task<LocalPostgres?> postgres, Task<LocalRabbitMq?> rabbit)
    {
        if (postgres.IsCompletedSuccessfully && postgres.Result is { } p)
        {
            await p.DisposeAsync();
        }
        try
        {
            if (await rabbit is { } r)
            {
                await r.DisposeAsync();
            }
        }
        catch (Exception) when (rabbit.IsFaulted)
        {
            // Its own start already cleaned up after the failure.
        }
    }
}
