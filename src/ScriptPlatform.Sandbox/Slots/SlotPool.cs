namespace ScriptPlatform.Sandbox.Slots;

/// <summary>A fixed set of slots; a job waits until one is free. Warm jobs prefer the slot whose warm worker already holds their script.</summary>
internal sealed class SlotPool : IDisposable
{
    private readonly SemaphoreSlim _free;
    private readonly List<SandboxSlot> _idle;
    private readonly Lock _lock = new();
    private readonly UidClaims _uids;

    public SlotPool(int count, int baseUid)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _uids = new UidClaims(baseUid, count);
        All = _uids.Uids.Select((uid, i) => new SandboxSlot(i, uid)).ToList();
        _idle = [.. All];
        _free = new SemaphoreSlim(count, count);
    }

    public IReadOnlyList<SandboxSlot> All { get; }

    /// <param name="warmKey">The warm worker key the job could reuse, or null for a cold job (which prefers slots without a warm worker).</param>
    public async Task<SandboxSlot> AcquireAsync(string? warmKey, CancellationToken ct)
    {
        await _free.WaitAsync(ct).ConfigureAwait(false);
        lock (_lock)
        {
            var slot = _idle.FirstOrDefault(s => warmKey is not null && s.Warm?.Key == warmKey)
                ?? _idle.FirstOrDefault(s => s.Warm is null)
                ?? _idle[0];
            _idle.Remove(slot);
            return slot;
        }
    }

    public void Release(SandboxSlot slot)
    {
        lock (_lock)
        {
            _idle.Add(slot);
        }

        _free.Release();
    }

    public void Dispose()
    {
        _free.Dispose();
        _uids.Dispose();
    }
}
