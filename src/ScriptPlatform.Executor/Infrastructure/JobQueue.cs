using MassTransit;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Executor.IntegrationEvents;

namespace ScriptPlatform.Executor.Infrastructure;

/// <summary>Queue names in one place (kebab-case, with the configured prefix).</summary>
public sealed class QueueNames(string prefix)
{
    public IEndpointNameFormatter Formatter { get; } = new KebabCaseEndpointNameFormatter(string.IsNullOrEmpty(prefix) ? null : prefix, false);

    /// <summary>The competing-consumer queue of <see cref="RunScript"/> jobs.</summary>
    public string RunScript => Formatter.Consumer<RunScriptConsumer>();
}

/// <summary>Sends <see cref="RunScript"/> jobs to the workers' queue: durable queue, persistent messages, publisher confirms.</summary>
public sealed class JobQueue(IBus bus, QueueNames names)
{
    public Uri Address { get; } = new($"queue:{names.RunScript}");

    public async Task SendAsync(IReadOnlyList<RunScript> jobs, CancellationToken ct)
    {
        var endpoint = await bus.GetSendEndpoint(Address).ConfigureAwait(false);
        // Sends are confirmed by the broker one by one; a window of concurrent sends keeps throughput up.
        foreach (var chunk in jobs.Chunk(256))
        {
            await Task.WhenAll(chunk.Select(job => endpoint.Send(job, ct))).ConfigureAwait(false);
        }
    }
}
