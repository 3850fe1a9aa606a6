using System.Collections.Concurrent;

namespace ScriptPlatform.Executor.Infrastructure;

/// <summary>The jobs running in this process, so that a cancel request (from any API replica, by event) can kill them.</summary>
public sealed class RunningJobs
{
    // A cancel can arrive between a job's claim (RUNNING in the log) and its registration here; the
    // ids it named are remembered for a while so that such a job is killed as soon as it registers.
    private static readonly TimeSpan TombstoneLifetime = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<Guid, Entry> _jobs = new();
    private readonly ConcurrentDictionary<Guid, DateTime> _cancelled = new();

    /// <summary>Registers a job; dispose the handle when it ends. Its token fires on <see cref="Cancel"/>.</summary>
    public Handle Register(Guid executionId, Guid? batchId, CancellationToken linked)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(linked);
        var entry = new Entry(batchId, source);
        _jobs[executionId] = entry;
        if (_cancelled.ContainsKey(executionId) || (batchId is { } b && _cancelled.ContainsKey(b)))
        {
            source.Cancel();
        }

        return new Handle(this, executionId, entry);
    }

    /// <summary>Cancels the job and/or every job of the batch running here; returns how many were running.</summary>
    public int Cancel(Guid? executionId, Guid? batchId)
    {
        var now = DateTime.UtcNow;
        foreach (var (id, at) in _cancelled)
        {
            if (now - at > TombstoneLifetime)
            {
                _cancelled.TryRemove(id, out _);
            }
        }

        foreach (var id in new[] { executionId, batchId }.OfType<Guid>())
        {
            _cancelled[id] = now;
        }

        var count = 0;
        foreach (var (id, entry) in _jobs)
        {
            if ((executionId is { } e && id == e) || (batchId is { } b && entry.BatchId == b))
            {
                try
                {
                    entry.Source.Cancel();
                    count++;
                }
                catch (ObjectDisposedException)
                {
                    // finished meanwhile
                }
            }
        }

        return count;
    }

    public bool IsRunning(Guid executionId) => _jobs.ContainsKey(executionId);

    /// <summary>The jobs this process runs or is about to run (waiting for a sandbox slot included).</summary>
    public IReadOnlyCollection<Guid> Ids => _jobs.Keys.ToArray();

    internal sealed record Entry(Guid? BatchId, CancellationTokenSource Source);

    public sealed class Handle : IDisposable
    {
        private readonly RunningJobs _owner;
        private readonly Guid _id;
        private readonly Entry _entry;

        internal Handle(RunningJobs owner, Guid id, Entry entry) => (_owner, _id, _entry) = (owner, id, entry);

        public CancellationToken Token => _entry.Source.Token;

        public void Dispose()
        {
            _owner._jobs.TryRemove(new KeyValuePair<Guid, Entry>(_id, _entry));
            _entry.Source.Dispose();
        }
    }
}
