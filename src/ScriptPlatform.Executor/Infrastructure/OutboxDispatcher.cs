using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Executor.Domain;

namespace ScriptPlatform.Executor.Infrastructure;

/// <summary>
/// Publishes the events of the <see cref="EventOutbox"/>, so that every recorded outcome is announced at least once,
/// whatever happens to the process that recorded it or to the broker meanwhile. Runs in every Executor process, in every
/// role; several at once share the work (each round leases its rows with SKIP LOCKED). Woken by <see cref="OutboxSignal"/>
/// right after a local commit, and every <see cref="ExecutorOptions.OutboxPollInterval"/> for events other (or dead)
/// processes left behind.
/// </summary>
public sealed partial class OutboxDispatcher(
    EventOutbox outbox, ExecutionStore store, IBus bus, OutboxSignal signal, IOptions<ExecutorOptions> options, ILogger<OutboxDispatcher> logger)
    : BackgroundService
{
    /// <summary>Events per round (one transaction, their publishes confirmed concurrently).</summary>
    public const int BatchSize = 100;

    /// <summary>Failed publishes of one event, in rounds where others went out, before it is parked.</summary>
    public const int MaxAttempts = 10;

    // After a wake-up, a moment for the completions arriving meanwhile to join the round: a round costs four Postgres
    // statements and a broker round trip whatever it carries, and a batch woke one round per job, CPU taken from the
    // scripts on a busy machine (issue 16). At 20 ms a cold batch still ran a round per 1.5 jobs; at 100 ms one per ~7.
    // Events go out within about a tenth of a second; nothing waits on them to answer a caller.
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(100);

    // A round holds its rows' locks (and Postgres's vacuum horizon) while it waits for the broker: bounded.
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private enum Outcome
    {
        Published,
        Dropped,
        Failed,
    }

    /// <summary>
    /// One round: publishes up to <see cref="BatchSize"/> pending events and deletes those that went out; returns how
    /// many did. When none could be published the broker is most likely down: the round is rolled back untouched and
    /// this throws, so the caller backs off. When only some failed, the failures are counted against those events.
    /// </summary>
    public async Task<int> DispatchAsync(CancellationToken ct)
    {
        using var round = CancellationTokenSource.CreateLinkedTokenSource(ct);
        round.CancelAfter(RoundTimeout);
        await using var lease = await outbox.LeaseAsync(BatchSize, MaxAttempts, round.Token).ConfigureAwait(false);
        if (lease.Events.Count == 0)
        {
            return 0;
        }

        // Concurrent publishes share the broker's confirm round trips. A rolled-back round may have published some
        // events already, so they go out twice; consumers are idempotent on the execution and batch ids.
        var results = await Task.WhenAll(lease.Events.Select(e => PublishAsync(e, round.Token))).ConfigureAwait(false);
        var done = lease.Events.Where((_, i) => results[i].Outcome != Outcome.Failed).Select(e => e.Id).ToList();
        if (!results.Any(r => r.Outcome == Outcome.Published) && results.Any(r => r.Outcome == Outcome.Failed))
        {
            throw new InvalidOperationException($"none of {lease.Events.Count} events could be published: {results.First(r => r.Error is not null).Error}");
        }

        var failed = lease.Events.Select((e, i) => (Event: e, Result: results[i])).Where(x => x.Result.Outcome == Outcome.Failed).ToList();
        foreach (var (e, result) in failed.Where(x => x.Event.Attempts + 1 >= MaxAttempts))
        {
            LogParked(e.Id, e.Kind, MaxAttempts, result.Error!);
        }

        await lease.AcknowledgeAsync(done, failed.Select(x => new FailedEvent(x.Event.Id, x.Result.Error!)).ToList(), round.Token).ConfigureAwait(false);
        return results.Count(r => r.Outcome == Outcome.Published);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.OutboxPollInterval;
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            int sent;
            try
            {
                sent = await DispatchAsync(stoppingToken).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The broker or Postgres is unavailable: the events stay in the outbox until a later round succeeds.
                backoff = backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                LogDispatchFailed(ex, backoff);
                await Task.Delay(backoff, stoppingToken).ConfigureAwait(false);
                continue;
            }

            // A full round suggests more are waiting: go again at once.
            if (sent < BatchSize && await signal.WaitAsync(interval, stoppingToken).ConfigureAwait(false))
            {
                await Task.Delay(Coalesce, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<(Outcome Outcome, string? Error)> PublishAsync(OutboxEvent e, CancellationToken ct)
    {
        try
        {
            switch (e.Kind)
            {
                case EventOutbox.RunCompleted:
                    await bus.Publish(EventOutbox.ReadRunCompleted(e.Payload), ct).ConfigureAwait(false);
                    break;
                case EventOutbox.BatchCompleted:
                    await PublishBatchCompletedAsync(EventOutbox.ReadBatchId(e.Payload), ct).ConfigureAwait(false);
                    break;
                default:
                    throw new JsonException($"unknown kind '{e.Kind}'");
            }

            return (Outcome.Published, null);
        }
        catch (JsonException ex)
        {
            // A row that can never become a message (a bug) is dropped, loudly: kept, it would fail every round it is in.
            LogUnreadable(ex, e.Id, e.Kind);
            return (Outcome.Dropped, null);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Whatever this one event's problem (the serializer refusing a value, its batch gone), the others still go out.
            return (Outcome.Failed, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task PublishBatchCompletedAsync(Guid batchId, CancellationToken ct)
    {
        var s = await store.BatchSummaryAsync(batchId, ct).ConfigureAwait(false);
        await bus.Publish(new BatchCompleted(batchId, s.Total, s.Succeeded, s.Failed, s.Cancelled, s.Cost, string.IsNullOrEmpty(s.Caller) ? null : s.Caller, s.FinishedAt), ct)
            .ConfigureAwait(false);
        LogBatchCompleted(batchId, s.Total, s.Succeeded, s.Failed, s.Cancelled);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish the outbox's events; they stay pending and are retried in {Backoff}")]
    private partial void LogDispatchFailed(Exception exception, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox event {Id} ({Kind}) failed {Attempts} times and is parked (kept in event_outbox, no longer sent): {Error}")]
    private partial void LogParked(long id, string kind, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox event {Id} ({Kind}) cannot be read and is dropped")]
    private partial void LogUnreadable(Exception exception, long id, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId} completed: {Total} jobs, {Succeeded} succeeded, {Failed} failed, {Cancelled} cancelled")]
    private partial void LogBatchCompleted(Guid batchId, int total, int succeeded, int failed, int cancelled);
}
