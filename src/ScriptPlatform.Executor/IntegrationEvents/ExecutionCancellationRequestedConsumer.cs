using MassTransit;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Executor.Infrastructure;

namespace ScriptPlatform.Executor.IntegrationEvents;

/// <summary>
/// Kills the cancelled job(s) if they run in this process. Every Executor process has its own
/// temporary queue bound to the event, so a cancel reaches whichever worker runs the job. The log
/// was already updated by the API that accepted the cancel; queued jobs are skipped when consumed.
/// </summary>
public sealed partial class ExecutionCancellationRequestedConsumer(RunningJobs running, ILogger<ExecutionCancellationRequestedConsumer> logger)
    : IConsumer<ExecutionCancellationRequested>
{
    public Task Consume(ConsumeContext<ExecutionCancellationRequested> context)
    {
        var killed = running.Cancel(context.Message.ExecutionId, context.Message.BatchId);
        if (killed > 0)
        {
            LogKilled(killed, context.Message.ExecutionId, context.Message.BatchId);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cancelled {Count} running job(s) (execution {ExecutionId}, batch {BatchId})")]
    private partial void LogKilled(int count, Guid? executionId, Guid? batchId);
}
