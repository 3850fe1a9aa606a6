using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Faults.Tests.Infrastructure;

/// <summary>
/// Publish and search load on a Registry from several clients (one channel each, kept for the whole run, as a
/// real client keeps it): every third client publishes (pausing 100 ms after each, so the load stays a mix and
/// the embedding of what was published is not the bottleneck), the others search (hybrid and by meaning in turn).
/// Every call is recorded with when it started and ended, so a test can ask what happened inside a window.
/// </summary>
public sealed class MixedRegistryLoad : IAsyncDisposable
{
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(15);

    private readonly ConcurrentQueue<Call> _calls = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _clients;

    private MixedRegistryLoad(RegistryPlatform registry, int clients, string prefix, Stopwatch clock)
    {
        Clock = clock;
        _clients = Enumerable.Range(0, clients).Select(c => Task.Run(() => RunClientAsync(registry, c, prefix))).ToList();
    }

    public enum Kind
    {
        Publish,
        Search,
    }

    /// <summary>One call: what it was, when it started and ended (on <see cref="Clock"/>), its status, and a publish's name.</summary>
    public sealed record Call(Kind Kind, TimeSpan Started, TimeSpan Ended, StatusCode Status, string Detail, string? Published);

    /// <summary>The time line every call is recorded on.</summary>
    public Stopwatch Clock { get; }

    public IReadOnlyCollection<Call> Calls => _calls;

    /// <summary>Starts <paramref name="clients"/> clients; publishers name their scripts <c>{prefix}_c{client}_{n}</c>.</summary>
    public static MixedRegistryLoad Start(RegistryPlatform registry, int clients, string prefix) => new(registry, clients, prefix, Stopwatch.StartNew());

    /// <summary>Calls that started and ended inside [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public List<Call> Within(TimeSpan from, TimeSpan to) => _calls.Where(c => c.Started >= from && c.Ended <= to).ToList();

    /// <summary>Waits until both publishes and searches have succeeded <paramref name="each"/> times (the first pay for JIT and cold pools).</summary>
    public async Task WarmUpAsync(int each)
    {
        var deadline = Stopwatch.StartNew();
        while (_calls.Count(c => c is { Kind: Kind.Publish, Status: StatusCode.OK }) < each || _calls.Count(c => c is { Kind: Kind.Search, Status: StatusCode.OK }) < each)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), "the load did not get under way: " + Summary(_calls.ToList()));
            await Task.Delay(100);
        }
    }

    /// <summary>"publish OK=12, search OK=30 UNAVAILABLE=41" for calls.</summary>
    public static string Summary(IEnumerable<Call> calls) => string.Join(", ", calls.GroupBy(c => c.Kind).OrderBy(g => g.Key).Select(g =>
        $"{g.Key.ToString().ToLowerInvariant()} " + string.Join(" ", g.GroupBy(c => c.Status).OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Count()}"))));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
        _stop.Dispose();
    }

    private async Task RunClientAsync(RegistryPlatform registry, int client, string prefix)
    {
        using var channel = PlatformGrpcClients.CreateChannel(registry.Process.Address);
        var registryClient = new RegistryService.RegistryServiceClient(channel);
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            var started = Clock.Elapsed;
            var publish = client % 3 == 0;
            var name = publish ? $"{prefix}_c{client}_{i:D5}" : null;
            try
            {
                if (publish)
                {
                    await registryClient.PublishAsync(RegistryPlatform.Publish(name!), registry.Publisher(CallDeadline));
                }
                else
                {
                    var mode = i % 2 == 0 ? SearchMode.Hybrid : SearchMode.Semantic;
                    await registryClient.SearchAsync(new SearchRequest { Query = "count the records in a list", Mode = mode, Limit = 5 }, deadline: DateTime.UtcNow + CallDeadline);
                }

                _calls.Enqueue(new Call(publish ? Kind.Publish : Kind.Search, started, Clock.Elapsed, StatusCode.OK, "", name));
                if (publish)
                {
                    await Task.Delay(100);
                }
            }
            catch (RpcException e)
            {
                _calls.Enqueue(new Call(publish ? Kind.Publish : Kind.Search, started, Clock.Elapsed, e.StatusCode, e.Status.Detail, null));
                await Task.Delay(100);
            }
        }
    }
}
