using Grpc.Core;
using MassTransit;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Executor.Domain;
using ScriptPlatform.Executor.Infrastructure;

namespace ScriptPlatform.Executor.IntegrationEvents;

/// <summary>A message that can never succeed, whatever is retried: it goes straight to the error queue with this reason.</summary>
public sealed class PoisonMessageException(string message) : Exception(message);

/// <summary>
/// Runs one queued job. Idempotent on the execution id: a job that already ended is acknowledged
/// without running; a RUNNING job is taken over only on a broker redelivery (its worker died).
/// A script's own failure is a recorded outcome, never an exception, so it is never retried;
/// exceptions mean infrastructure faults (Postgres, Registry, broker) and are retried by the definition.
/// </summary>
public sealed partial class RunScriptConsumer(
    ExecutionStore store, ScriptResolver resolver, JobRunner runner, IOptions<ExecutorOptions> options, ILogger<RunScriptConsumer> logger)
    : IConsumer<RunScript>
{
    public async Task Consume(ConsumeContext<RunScript> context)
    {
        var job = context.Message;
        if (job.ExecutionId == Guid.Empty || string.IsNullOrEmpty(job.ContentHash))
        {
            throw new PoisonMessageException("RunScript without an execution id or content hash");
        }

        try
        {
            await ConsumeAsync(context, job).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not PoisonMessageException && !IsStopping(context) && context.GetRetryAttempt() >= RunScriptConsumerDefinition.RetryLimit)
        {
            // The last attempt: leave a final record so the job is not stuck RUNNING, then let the
            // message go to the error queue with the fault.
            LogGaveUp(ex, job.ExecutionId);
            await runner.RecordWithoutRunningAsync(job.ExecutionId,
                new Completion(ExecutionStatus.Error, ErrorType: "infrastructure_error", ErrorMessage: ex.Message, ExitReason: "the worker could not run the job")).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// This worker is stopping: whatever failed meanwhile (the sandbox cancelled, or a Registry call cut short, which
    /// surfaces as an RpcException rather than a cancellation) is not the job's fault and must not be recorded.
    /// </summary>
    private static bool IsStopping(ConsumeContext context) => context.CancellationToken.IsCancellationRequested;

    private async Task ConsumeAsync(ConsumeContext<RunScript> context, RunScript job)
    {
        var claim = await store.TryClaimAsync(
            job.ExecutionId, runner.WorkerId, context.ReceiveContext.Redelivered, context.GetRetryAttempt() > 0, context.CancellationToken).ConfigureAwait(false);
        if (claim == ClaimResult.Missing)
        {
            throw new PoisonMessageException($"execution {job.ExecutionId} is not in the execution log");
        }

        if (claim == ClaimResult.AlreadyHandled)
        {
            LogSkipped(job.ExecutionId);
            return;
        }

        try
        {
            await RunClaimedAsync(context, job).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStopping(context))
        {
            // Hand the job back: QUEUED again, and a cancellation reaches MassTransit, which leaves the message
            // unacknowledged, so the broker gives it to another worker (a rolling deploy cancels nothing).
            await store.ReleaseAsync(job.ExecutionId, runner.WorkerId, CancellationToken.None).ConfigureAwait(false);
            LogHandedBack(job.ExecutionId);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            throw new OperationCanceledException("the worker stopped before the job finished", ex, context.CancellationToken);
        }
    }

    private async Task RunClaimedAsync(ConsumeContext<RunScript> context, RunScript job)
    {
        ResolvedScript script;
        if (job.InlineContent is { } inline)
        {
            script = ResolvedScript.Inline(job.ScriptName, inline);
            if (script.ContentHash != job.ContentHash)
            {
                throw new PoisonMessageException($"execution {job.ExecutionId}: inline content does not match its content hash");
            }
        }
        else
        {
            try
            {
                script = await resolver.LoadAsync(job.ScriptName, job.Version, job.ContentHash, registryHeaders: null, context.CancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.InvalidArgument)
            {
                await runner.RecordWithoutRunningAsync(job.ExecutionId,
                    new Completion(ExecutionStatus.Invalid, ErrorType: "script_not_found", ErrorMessage: ex.Status.Detail, ExitReason: "the script version could not be loaded")).ConfigureAwait(false);
                return;
            }
        }

        await runner.RunAsync(
            new RunnableJob(job.ExecutionId, job.BatchId, script, job.ParamsJson, RequestValidation.Limits(job.Limits), job.Caller ?? "", job.BudgetUsd, options.Value.WarmBatches),
            onOutput: null,
            ct: CancellationToken.None, // only a user's cancel (through RunningJobs) cancels a queued job
            stopping: context.CancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Execution {ExecutionId} already handled; redelivery acknowledged without running")]
    private partial void LogSkipped(Guid executionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Execution {ExecutionId}: this worker is stopping; the job goes back to the queue")]
    private partial void LogHandedBack(Guid executionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Execution {ExecutionId}: giving up after retries; the message goes to the error queue")]
    private partial void LogGaveUp(Exception exception, Guid executionId);
}

/// <summary>Queue settings of <see cref="RunScriptConsumer"/>: concurrency = 2 × sandbox slots, retries for infrastructure faults only.</summary>
public sealed class RunScriptConsumerDefinition : ConsumerDefinition<RunScriptConsumer>
{
    public const int RetryLimit = 3;

    private readonly int _slots;
    private readonly int _prefetchPerSlot;

    public RunScriptConsumerDefinition(IOptions<Sandbox.SandboxOptions> sandbox, IOptions<ExecutorOptions> executor)
    {
        _slots = Math.Max(1, sandbox.Value.Slots);
        _prefetchPerSlot = Math.Max(1, executor.Value.PrefetchPerSlot);
        // Two jobs per slot: one in the sandbox, one claimed and waiting for it, so that a freed slot is taken at once
        // while the finished job's outcome is written and acknowledged. With one spare job for all slots (slots + 1), two
        // slots freed together left one idle until the next claim came back; on a busy machine every such round trip
        // also waits for a CPU, which cut cold batches to 0.60x bare at a load average of 2.5 (issue 16).
        ConcurrentMessageLimit = 2 * _slots;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<RunScriptConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // Beyond the jobs being consumed, a few more already delivered: the next job never waits for the broker.
        endpointConfigurator.PrefetchCount = 2 * _slots + _slots * _prefetchPerSlot;
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Ignore<PoisonMessageException>();
            r.Exponential(RetryLimit, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500));
        });
    }
}
