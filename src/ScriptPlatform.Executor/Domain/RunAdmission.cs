using Grpc.Core;
using Microsoft.Extensions.Options;

namespace ScriptPlatform.Executor.Domain;

/// <summary>
/// Bounds the synchronous runs (Run, RunStream) this process holds at once, running or waiting for a sandbox slot.
/// Without a bound, callers beyond what the slots can serve queued without limit, each holding a connection and a
/// RUNNING row while it waited (the load test's 50 clients waited ~2 s each behind 2 slots, and more would have waited
/// longer still). One more is refused with RESOURCE_EXHAUSTED before anything is written, so it can retry with back-off
/// or go to a batch, which queues in RabbitMQ instead of in this process.
/// </summary>
public sealed class RunAdmission(IOptions<ExecutorOptions> options)
{
    private readonly int _limit = Math.Max(1, options.Value.MaxSynchronousRuns);
    private int _held;

    /// <summary>Admits one run until the returned ticket is disposed; RESOURCE_EXHAUSTED when the process holds its limit.</summary>
    public Ticket Enter()
    {
        if (Interlocked.Increment(ref _held) > _limit)
        {
            Interlocked.Decrement(ref _held);
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"this Executor already holds {_limit} synchronous runs (running or waiting for a sandbox slot); nothing was run or recorded. " +
                "Retry with back-off, or submit the jobs as a batch (SubmitBatch), which queues them without a limit here."));
        }

        return new Ticket(this);
    }

    /// <summary>Gives the admitted run's place back when disposed (once).</summary>
    public sealed class Ticket(RunAdmission admission) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref admission._held);
            }
        }
    }
}
