namespace ScriptPlatform.Sandbox.Slots;

/// <summary>
/// The sandbox's places and how many jobs may run at once. Each place (<see cref="SandboxSlot"/>) has its own uid; with
/// standby sandboxes there are twice as many places as running jobs, so that the next job's sandbox starts in one place
/// while a job runs in another, and a finished job's teardown holds its place but not a running permit. A job waits
/// for both. Warm jobs prefer the place whose warm worker already holds their script, cold jobs one whose standby
/// sandbox was started with their limits.
/// </summary>
internal sealed class SlotPool : IDisposable
{
    private readonly SemaphoreSlim _running;
    private readonly SemaphoreSlim _free;
    private readonly List<SandboxSlot> _idle;
    private readonly Lock _lock = new();
    private readonly UidClaims _uids;

    public SlotPool(int running, int places, int baseUid)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(running, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(places, running);
        _uids = new UidClaims(baseUid, places);
        All = _uids.Uids.Select((uid, i) => new SandboxSlot(i, uid)).ToList();
        _idle = [.. All];
        _running = new SemaphoreSlim(running, running);
        _free = new SemaphoreSlim(places, places);
    }

    public IReadOnlyList<SandboxSlot> All { get; }

    /// <param name="warmKey">The warm worker key a warm job could reuse; null for a cold job.</param>
    /// <param name="standbyKey">The standby key a cold job could use (<see cref="StandbySandbox.KeyFor"/>); null when it cannot use one.</param>
    public async Task<SlotLease> AcquireAsync(string? warmKey, string? standbyKey, CancellationToken ct)
    {
        await _running.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _free.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _running.Release();
            throw;
        }

        lock (_lock)
        {
            // What a place holds is thrown away when the job cannot use it, so take, in turn: what fits the job, an empty
            // place, a standby (cheap to replace), and only then someone else's warm worker. Places are idle in the order
            // they were given back, so of two fitting standby sandboxes the one started earlier (likely ready) is taken.
            var slot = _idle.FirstOrDefault(s => warmKey is not null && s.Warm?.Key == warmKey)
                ?? _idle.FirstOrDefault(s => standbyKey is not null && s.Standby?.Key == standbyKey)
                ?? _idle.FirstOrDefault(s => s.Warm is null && s.Standby is null)
                ?? _idle.FirstOrDefault(s => s.Warm is null)
                ?? _idle[0];
            _idle.Remove(slot);
            return new SlotLease(this, slot, holdsRunPermit: true);
        }
    }

    /// <summary>An idle place that holds nothing, taken without a running permit (to start a standby sandbox in); null when there is none.</summary>
    public SlotLease? TryTakeEmpty()
    {
        if (!_free.Wait(0))
        {
            return null;
        }

        lock (_lock)
        {
            if (_idle.FirstOrDefault(s => s.Warm is null && s.Standby is null) is { } slot)
            {
                _idle.Remove(slot);
                return new SlotLease(this, slot, holdsRunPermit: false);
            }
        }

        _free.Release();
        return null;
    }

    public void Dispose()
    {
        _running.Dispose();
        _free.Dispose();
        _uids.Dispose();
    }

    private void EndRun() => _running.Release();

    private void Return(SandboxSlot slot)
    {
        lock (_lock)
        {
            _idle.Add(slot);
        }

        _free.Release();
    }

    /// <summary>A hold on a place and (a job's) on a running permit; disposing it gives back both.</summary>
    internal sealed class SlotLease(SlotPool pool, SandboxSlot slot, bool holdsRunPermit) : IDisposable
    {
        private int _running = holdsRunPermit ? 1 : 0;

        public SandboxSlot Slot => slot;

        /// <summary>The job's own part is over (its outcome is known): another job may start while this place is torn down.</summary>
        public void EndRun()
        {
            if (Interlocked.Exchange(ref _running, 0) == 1)
            {
                pool.EndRun();
            }
        }

        public void Dispose()
        {
            pool.Return(slot);
            EndRun();
        }
    }
}
