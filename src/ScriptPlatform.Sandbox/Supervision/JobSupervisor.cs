using System.Text.Json;

namespace ScriptPlatform.Sandbox.Supervision;

/// <summary>How waiting for a harness frame ended.</summary>
internal enum Verdict
{
    /// <summary>The awaited frame arrived.</summary>
    Frame,

    /// <summary>The wall clock ran out; the sandbox was torn down.</summary>
    Timeout,

    /// <summary>The caller cancelled; the sandbox was torn down.</summary>
    Cancelled,

    /// <summary>The output limit was exceeded; the sandbox was torn down.</summary>
    OutputExceeded,

    /// <summary>The kernel's OOM killer fired in the slot's memory group; the sandbox was torn down.</summary>
    MemoryExceeded,

    /// <summary>The harness went away without the frame (crash, killed from inside, protocol violation).</summary>
    Gone,

    /// <summary>
    /// The frame arrived but is not JSON we can read (the script wrote to its result channel itself,
    /// or nested its result deeper than <see cref="JobSupervisor.MaxResultDepth"/>); the harness is intact.
    /// </summary>
    Unreadable,
}

internal sealed record Supervised(Verdict Verdict, JsonDocument? Payload = null, string? Detail = null);

/// <summary>
/// The supervisor loop: streams the job's output, and on wall clock, cancellation or output flood
/// tears the whole sandbox down (SIGTERM, then SIGKILL to every process of the slot's uid).
/// </summary>
internal static class JobSupervisor
{
    /// <summary>Deepest nesting of a result we accept: System.Text.Json's default, as every reader downstream uses it.</summary>
    public const int MaxResultDepth = 64;

    // How often the slot's OOM kill counter is read while a job runs.
    private static readonly TimeSpan OomPollInterval = TimeSpan.FromMilliseconds(100);

    /// <param name="oomKilled">True once the kernel has killed a process of this job for memory.</param>
    public static async Task<Supervised> AwaitFrameAsync(
        HarnessSession session, byte wanted, OutputCollector output, Func<bool> oomKilled, CancellationToken deadline, CancellationToken caller)
    {
        var tripped = 0;
        void Trip(Verdict verdict)
        {
            if (Interlocked.CompareExchange(ref tripped, (int)verdict, 0) == 0)
            {
                _ = session.StopAsync();
            }
        }

        session.Output = output;
        output.LimitExceeded = () => Trip(Verdict.OutputExceeded);
        if (output.OverLimit)
        {
            Trip(Verdict.OutputExceeded);
        }

        await using var onDeadline = deadline.Register(() => Trip(Verdict.Timeout)).ConfigureAwait(false);
        await using var onCancel = caller.Register(() => Trip(Verdict.Cancelled)).ConfigureAwait(false);
        // One process of a job killed for memory fails the job: the rest may wait forever on it.
        await using var oomWatch = new Timer(_ =>
        {
            if (oomKilled())
            {
                Trip(Verdict.MemoryExceeded);
            }
        }, null, OomPollInterval, OomPollInterval).ConfigureAwait(false);
        string? detail = null;
        try
        {
            while (await session.ReadFrameAsync().ConfigureAwait(false) is { } frame)
            {
                if (frame.Kind is HarnessProtocol.Stdout or HarnessProtocol.Stderr)
                {
                    output.Add(frame.Kind == HarnessProtocol.Stdout ? OutputStream.Stdout : OutputStream.Stderr, frame.Payload);
                }
                else if (frame.Kind == wanted && tripped == 0)
                {
                    return Read(frame.Payload);
                }
                else if (tripped == 0)
                {
                    detail = $"unexpected harness frame '{(char)frame.Kind}'";
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            detail = $"harness protocol error: {ex.Message}";
        }

        // Whatever ended the stream, nothing of this sandbox may outlive it.
        await session.StopAsync().ConfigureAwait(false);
        return tripped == 0 ? new Supervised(Verdict.Gone, Detail: detail) : new Supervised((Verdict)tripped);
    }

    private static Supervised Read(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return new Supervised(Verdict.Frame, JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = MaxResultDepth }));
        }
        catch (JsonException ex)
        {
            return new Supervised(Verdict.Unreadable, Detail: ex.Message);
        }
    }
}
