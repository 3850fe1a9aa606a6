using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Executor.Domain;
using ScriptPlatform.Runs;
using ScriptPlatform.Sandbox;
using ScriptPlatform.Sandbox.Limits;

namespace ScriptPlatform.Executor.Infrastructure;

/// <summary>One job ready to run: its execution row is RUNNING and owned by this process.</summary>
public sealed record RunnableJob(
    Guid ExecutionId, Guid? BatchId, ResolvedScript Script, string ParamsJson, LimitOverrides? Limits, string Caller, double? BudgetUsd, bool Warm);

/// <summary>
/// Runs a claimed job in the sandbox and records its outcome once; the same write queues its
/// <see cref="ScriptRunCompleted"/> (and <see cref="BatchCompleted"/> when it was the batch's last job) in the
/// <see cref="EventOutbox"/>. Shared by synchronous runs and queue workers, so both log and cost runs the same way.
/// </summary>
public sealed partial class JobRunner(
    ISandbox sandbox, ExecutionStore store, RunningJobs running, IOptions<ExecutorOptions> options, ILogger<JobRunner> logger)
{
    private readonly string _workerId = options.Value.EffectiveWorkerId;

    public string WorkerId => _workerId;

    /// <summary>
    /// Runs and records the job; returns the record as stored (after a cancel, the cancelled one).
    /// <paramref name="ct"/> is the caller's cancel (the job is recorded CANCELLED); <paramref name="stopping"/> is this
    /// process stopping under a queued job: the job is not over, only this worker is, so nothing is recorded and an
    /// <see cref="OperationCanceledException"/> leaves the message unacknowledged for another worker.
    /// </summary>
    public async Task<Execution> RunAsync(RunnableJob job, Action<OutputLine>? onOutput, CancellationToken ct, CancellationToken stopping = default)
    {
        // Registered until the outcome is written, not just while the sandbox runs: the abandonment sweep skips the
        // runs this process serves, and a run between its sandbox and its record is still served.
        using var handle = running.Register(job.ExecutionId, job.BatchId, ct);
        Completion completion;
        var estimate = CostModel.Estimate(job.Script.Metadata, job.ParamsJson);
        if (job.BudgetUsd is { } budget && estimate > budget)
        {
            completion = new Completion(ExecutionStatus.Invalid, ErrorType: "over_budget",
                ErrorMessage: $"estimated cost {estimate:0.######} USD exceeds the budget of {budget:0.######} USD", ExitReason: "refused by the cost guard");
        }
        else
        {
            using var kill = CancellationTokenSource.CreateLinkedTokenSource(handle.Token, stopping);
            completion = await RunInSandboxAsync(job, onOutput, kill.Token).ConfigureAwait(false);
            if (completion.Status == ExecutionStatus.Cancelled && stopping.IsCancellationRequested && !handle.Token.IsCancellationRequested)
            {
                throw new OperationCanceledException("the worker stopped before the job finished", stopping);
            }
        }

        // The outcome and its events are one write: the OutboxDispatcher announces them, whatever happens next here.
        return await store.CompleteAsync(job.ExecutionId, completion, _workerId, CancellationToken.None).ConfigureAwait(false)
            // Cancelled (or taken over) meanwhile: whoever ended it recorded it, and queued its events.
            ?? await store.GetAsync(job.ExecutionId, CancellationToken.None).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"execution {job.ExecutionId} vanished");
    }

    /// <summary>Ends a claimed job without running it (for example its script is gone from the Registry).</summary>
    public Task RecordWithoutRunningAsync(Guid executionId, Completion completion) =>
        store.CompleteAsync(executionId, completion, _workerId, CancellationToken.None);

    private async Task<Completion> RunInSandboxAsync(RunnableJob job, Action<OutputLine>? onOutput, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await sandbox.RunAsync(
                new SandboxJob(job.Script.Content)
                {
                    ScriptName = job.Script.Name,
                    ScriptVersion = job.Script.Version ?? job.Script.ContentHash[..12],
                    ParamsJson = job.ParamsJson,
                    Metadata = job.Script.Metadata,
                    Limits = job.Limits,
                    Warm = job.Warm,
                    // A warm job forks from a harness that earlier jobs ran in (and whose import-time code is the
                    // script's own), so warm workers are never shared between callers, the closest we have to tenants.
                    WarmPartition = job.Caller,
                    OnOutput = onOutput,
                },
                ct).ConfigureAwait(false);
            return ToCompletion(job, result, clock.Elapsed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The sandbox answers whatever a script does with a result, so this is a bug in the sandbox or in
            // mapping this job's output. Retrying would run the script again to the same end: it is the job's outcome.
            LogSandboxFailed(ex, job.ExecutionId);
            return new Completion(ExecutionStatus.Error, ErrorType: "sandbox_failure", ErrorMessage: ex.Message,
                DurationMs: clock.Elapsed.TotalMilliseconds, ExitCode: 1, ExitReason: "the sandbox failed on this job");
        }
    }

    private static Completion ToCompletion(RunnableJob job, SandboxResult result, TimeSpan elapsed)
    {
        var status = StatusMapping.ToStatus(result.Status);
        var ran = status is not (ExecutionStatus.Invalid or ExecutionStatus.Cancelled);
        return new Completion(
            status,
            DataJson: result.Data?.GetRawText() ?? "",
            MetadataJson: result.Metadata?.GetRawText() ?? "",
            ErrorType: result.Error?.Type ?? (status == ExecutionStatus.Cancelled ? "cancelled" : ""),
            ErrorMessage: result.Error?.Message ?? (status == ExecutionStatus.Cancelled ? result.ExitReason : ""),
            Traceback: result.Error?.Traceback ?? "",
            Stdout: result.Stdout,
            Stderr: result.Stderr,
            OutputTruncated: result.OutputTruncated,
            DurationMs: (result.Duration > TimeSpan.Zero ? result.Duration : elapsed).TotalMilliseconds,
            CostUsd: ran ? CostModel.Actual(job.Script.Metadata, job.ParamsJson, result.Metadata) : 0,
            RowsProcessed: result.RowsProcessed ?? 0,
            ExitCode: status == ExecutionStatus.Success ? 0 : 1,
            KillReason: StatusMapping.ToKillReason(result),
            ExitReason: result.ExitReason);
    }

    /// <summary>The record of a job as it is being started (for RunStream's first event).</summary>
    public static RunStarted Started(Guid id, ResolvedScript script) => new()
    {
        ExecutionId = id.ToString(),
        ScriptName = script.Name,
        Version = script.Version ?? "",
        ContentHash = script.ContentHash,
        StartedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Execution {ExecutionId}: the sandbox failed; recorded as ERROR sandbox_failure")]
    private partial void LogSandboxFailed(Exception exception, Guid executionId);

}
