namespace ScriptPlatform.Executor.Infrastructure;

/// <summary>
/// Wakes this process's <see cref="OutboxDispatcher"/> as soon as an outcome and its event are committed, so events
/// go out within tens of milliseconds instead of at the next poll. Nudges coalesce: one pending wake-up covers them all,
/// since a dispatcher round takes every pending event.
/// </summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Nudge()
    {
        if (_pending.CurrentCount > 0)
        {
            return;
        }

        try
        {
            _pending.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another nudge won the race: one pending wake-up is enough.
        }
    }

    /// <summary>Waits for a nudge, or <paramref name="timeout"/>; true when nudged.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _pending.WaitAsync(timeout, ct);
}
