namespace ScriptPlatform.Executor.Domain;

/// <summary>What this process does: serve the gRPC API, consume queued jobs, or both.</summary>
public enum ExecutorRole
{
    /// <summary>gRPC API and a worker in one process (the default, one-machine deployment).</summary>
    All,

    /// <summary>Only consumes <c>RunScript</c> jobs (extra workers, possibly on other machines); serves health only.</summary>
    Worker,

    /// <summary>Only the gRPC API (synchronous runs still use this process's sandbox; batches go to workers).</summary>
    Api,
}

/// <summary>Executor settings, bound from <see cref="SectionName"/>.</summary>
public sealed class ExecutorOptions
{
    public const string SectionName = "ScriptPlatform:Executor";

    public ExecutorRole Role { get; set; } = ExecutorRole.All;

    /// <summary>Names this worker in the execution log; defaults to host name + process id.</summary>
    public string? WorkerId { get; set; }

    /// <summary>Run batch jobs on warm interpreters (one per slot, reused while the script stays the same).</summary>
    public bool WarmBatches { get; set; }

    /// <summary>
    /// How long a stopping worker lets its running jobs finish. Jobs still running then are handed back to the
    /// queue, unrecorded, and run again from the start by another worker. Keep it under <c>ScriptPlatform:ShutdownTimeout</c>.
    /// </summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Prefix of every queue this service declares (lets several platforms share one broker).</summary>
    public string QueuePrefix { get; set; } = "";

    /// <summary>Messages prefetched per slot beyond those being consumed (2 per slot), so a freed slot never waits for the broker.</summary>
    public int PrefetchPerSlot { get; set; } = 2;

    /// <summary>Default and largest page size of list calls (pages hold full execution records, up to about 1.2 MiB each).</summary>
    public int DefaultPageSize { get; set; } = 50;

    public int MaxPageSize { get; set; } = 100;

    /// <summary>
    /// A list page ends early (with a next page token) once its records reach this size, so that it fits
    /// the 4 MiB a gRPC client receives by default; a page always holds at least one record.
    /// </summary>
    public int MaxPageBytes { get; set; } = 3 * 1024 * 1024;

    /// <summary>
    /// Synchronous runs (Run, RunStream) this process holds at once, running or waiting for a sandbox slot; one more is
    /// refused with RESOURCE_EXHAUSTED (see <see cref="RunAdmission"/>). With 2 slots and jobs of ~20 ms, 64 is about half
    /// a second of queue.
    /// </summary>
    public int MaxSynchronousRuns { get; set; } = 64;

    /// <summary>Largest number of jobs in one batch.</summary>
    public int MaxBatchJobs { get; set; } = 100_000;

    /// <summary>How often an API process looks for batches whose messages were never sent and for abandoned runs.</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A batch whose messages are not confirmed sent this long after it was committed is sent again.</summary>
    public TimeSpan DispatchGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// AMQP heartbeat. A worker whose host drops off the network (no FIN, unlike a killed process) holds
    /// its unacknowledged jobs until the broker declares the connection dead, about two heartbeats: the
    /// broker's default of 60 s stalled a batch for two minutes in the scale-out fault test.
    /// </summary>
    public TimeSpan BrokerHeartbeat { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the outbox dispatcher looks for events without being woken: those a stopped or crashed process left,
    /// and those whose publishing failed. A process's own completions wake it at once.
    /// </summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public bool RunsApi => Role is ExecutorRole.All or ExecutorRole.Api;

    public bool RunsWorker => Role is ExecutorRole.All or ExecutorRole.Worker;

    public string EffectiveWorkerId => string.IsNullOrWhiteSpace(WorkerId) ? $"{Environment.MachineName}:{Environment.ProcessId}" : WorkerId;
}
