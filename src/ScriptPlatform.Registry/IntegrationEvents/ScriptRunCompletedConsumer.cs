using MassTransit;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Registry.Infrastructure;

namespace ScriptPlatform.Registry.IntegrationEvents;

/// <summary>Updates a script's usage stats from a finished execution, once per execution id.</summary>
public sealed partial class ScriptRunCompletedConsumer(ScriptStore store, ILogger<ScriptRunCompletedConsumer> logger) : IConsumer<ScriptRunCompleted>
{
    public async Task Consume(ConsumeContext<ScriptRunCompleted> context)
    {
        var message = context.Message;
        if (!message.IsRegistryScript)
        {
            return;
        }

        var outcome = await store.RecordRunAsync(message, context.CancellationToken);
        LogRecorded(logger, message.ExecutionId, message.ScriptName, outcome);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Execution {ExecutionId} of {Script}: {Outcome}.")]
    private static partial void LogRecorded(ILogger logger, Guid executionId, string script, RunRecordOutcome outcome);
}

/// <summary>Queue name, retries for database faults, and concurrency for the stats consumer.</summary>
public sealed class ScriptRunCompletedConsumerDefinition : ConsumerDefinition<ScriptRunCompletedConsumer>
{
    public ScriptRunCompletedConsumerDefinition()
    {
        EndpointName = "registry-script-run-completed";
        ConcurrentMessageLimit = 8;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ScriptRunCompletedConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200)));
}
