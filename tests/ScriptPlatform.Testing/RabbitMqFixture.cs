using ScriptPlatform.LocalResources;
using Xunit;

namespace ScriptPlatform.Testing;

/// <summary>
/// One real RabbitMQ node per test assembly (register with
/// <c>[assembly: AssemblyFixture(typeof(RabbitMqFixture))]</c>).
/// Uses <c>ConnectionStrings__rabbitmq</c> instead when it is set.
/// </summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    private LocalInfrastructure? _infrastructure;

    /// <summary>AMQP URI, e.g. <c>amqp://guest:guest@127.0.0.1:PORT/</c>.</summary>
    public string ConnectionString => _infrastructure?.RabbitMqConnectionString
        ?? throw new InvalidOperationException("The RabbitMQ fixture has not started.");

    public async ValueTask InitializeAsync() =>
        _infrastructure = await LocalInfrastructure.StartAsync(new LocalInfrastructureOptions { Postgres = false });

    public async ValueTask DisposeAsync()
    {
        if (_infrastructure is not null)
        {
            await _infrastructure.DisposeAsync();
        }
    }
}
