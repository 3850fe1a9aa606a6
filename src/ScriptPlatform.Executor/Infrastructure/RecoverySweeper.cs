using System.Text.Json;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Executor.Domain;
using ScriptPlatform.Sandbox;

namespace ScriptPlatform.Executor.Infrastructure;

/// <summary>
/// Nothing lost when an API process dies mid-request: batches committed but never confirmed sent get
/// their queued jobs sent again (a duplicate message is harmless: workers claim each job once), and
/// synchronous runs left RUNNING far beyond any wall clock are recorded as abandoned. Runs in every
/// API process; several replicas sweeping at once only send harmless duplicates.
/// </summary>
public sealed partial class RecoverySweeper(
    ExecutionStore store, JobQueue queue, RunningJobs running, IOptions<ExecutorOptions> options, IOptions<SandboxOptions> sandbox, ILogger<RecoverySweeper> logger)
    : BackgroundService
{
    public static string? LimitsToJson(RunLimits? limits) => limits is null ? null : JsonSerializer.Serialize(limits);

    public static RunLimits? LimitsFromJson(string? json) => string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<RunLimits>(json);

    /// <summary>One pass; returns how many jobs were sent again.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var resent = 0;
        foreach (var batchId in await store.UndispatchedBatchesAsync(options.Value.DispatchGrace, ct).ConfigureAwait(false))
        {
            var jobs = await store.QueuedJobsAsync(batchId, ct).ConfigureAwait(false);
            var messages = jobs
                .Where(j => j.Version is not null || j.InlineContent is not null)
                .Select(j => new RunScript(j.Id, j.BatchId, j.BatchIndex, j.ScriptName, j.Version, j.ContentHash, j.InlineContent, j.ParamsJson,
                    LimitsFromJson(j.LimitsJson), string.IsNullOrEmpty(j.Caller) ? null : j.Caller, null, DateTimeOffset.UtcNow))
                .ToList();
            await queue.SendAsync(messages, ct).ConfigureAwait(false);
            await store.MarkDispatchedAsync(batchId, ct).ConfigureAwait(false);
            resent += messages.Count;
            LogResent(batchId, messages.Count);
        }

        // Longer than the operator's largest wall clock plus start-up slack: nothing can still be running it.
        var maxRun = TimeSpan.FromSeconds(sandbox.Value.Maxima.WallClockSeconds) + TimeSpan.FromMinutes(1);
        // Their ScriptRunCompleted events are queued by the same statement.
        foreach (var run in await store.AbandonStaleRunsAsync(maxRun, running.Ids, ct).ConfigureAwait(false))
        {
            LogAbandoned(Guid.Parse(run.Id));
        }

        return resent;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RecoveryInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId} was committed but not dispatched; sent its {Count} queued jobs again")]
    private partial void LogResent(Guid batchId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Execution {ExecutionId} was abandoned by the process running it; recorded as ERROR")]
    private partial void LogAbandoned(Guid executionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery sweep failed; it runs again at the next interval")]
    private partial void LogSweepFailed(Exception exception);
}
