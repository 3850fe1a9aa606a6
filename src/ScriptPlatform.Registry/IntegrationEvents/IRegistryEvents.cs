using MassTransit;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Contracts.Messages;

namespace ScriptPlatform.Registry.IntegrationEvents;

/// <summary>
/// Events the registry announces after a write has committed. Sent after the commit, not through an
/// outbox: a broker outage loses the notification (logged), never the write.
/// </summary>
public interface IRegistryEvents
{
    Task PublishedAsync(ScriptPublished message, CancellationToken cancellationToken);

    Task RemovedAsync(ScriptRemoved message, CancellationToken cancellationToken);
}

/// <summary>Used when no RabbitMQ connection is configured.</summary>
public sealed class NoRegistryEvents : IRegistryEvents
{
    public Task PublishedAsync(ScriptPublished message, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RemovedAsync(ScriptRemoved message, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Publishes through MassTransit (persistent messages, publisher confirms).</summary>
public sealed partial class MassTransitRegistryEvents(IBus bus, ILogger<MassTransitRegistryEvents> logger) : IRegistryEvents
{
    public Task PublishedAsync(ScriptPublished message, CancellationToken cancellationToken) => SafePublish(message, message.ScriptName, cancellationToken);

    public Task RemovedAsync(ScriptRemoved message, CancellationToken cancellationToken) => SafePublish(message, message.ScriptName, cancellationToken);

    private async Task SafePublish<T>(T message, string script, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            await bus.Publish(message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogPublishFailed(logger, e, typeof(T).Name, script);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish {Event} for script {Script}; the write itself is committed.")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string @event, string script);
}
