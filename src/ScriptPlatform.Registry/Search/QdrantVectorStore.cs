using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;

namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Script vectors in a Qdrant collection (cosine distance, the model's dimension), one point per
/// script keyed by its id, with category, tags, deprecation and agents as payload so every search
/// filter runs inside Qdrant. Any failure to reach Qdrant surfaces as <see cref="VectorStoreUnavailableException"/>.
/// </summary>
public sealed class QdrantVectorStore(QdrantClient client, string collection, int dimensions, string address, IDisposable? channel = null) : IVectorStore, IDisposable
{
    /// <summary>
    /// The longest wait between two attempts to reconnect to a Qdrant that refused. gRPC's default grows
    /// to 120 s, and a call made meanwhile fails at once without trying: after a long outage the Registry
    /// would stay unready for up to two minutes once Qdrant is back. A refused connection to a reachable
    /// host costs next to nothing, so it is retried at least every 2 s.
    /// </summary>
    public static readonly TimeSpan MaxReconnectBackoff = TimeSpan.FromSeconds(2);

    private const string Category = "category";
    private const string Tags = "tags";
    private const string Deprecated = "deprecated";
    private const string Agents = "agents";

    public string Name { get; } = $"qdrant at {address}";

    public int Dimensions { get; } = dimensions;

    public bool IsInProcess => false;

    public string Collection { get; } = collection;

    /// <summary>
    /// A client from <c>ConnectionStrings__qdrant</c>: a gRPC URL (<c>http://host:6334</c>) or
    /// Aspire's form <c>Endpoint=http://host:6334;Key=...</c>.
    /// </summary>
    public static QdrantVectorStore Create(string connectionString, string collection, int dimensions, TimeSpan timeout)
    {
        var (endpoint, key) = ParseConnectionString(connectionString);
        // The channel is made here (not by QdrantClient) for its reconnect backoff; the key goes in the
        // same "api-key" header QdrantClient itself would send.
        var channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { MaxReconnectBackoff = MaxReconnectBackoff, InitialReconnectBackoff = TimeSpan.FromMilliseconds(500) });
        var invoker = key is null ? channel.CreateCallInvoker() : channel.Intercept(headers =>
        {
            headers.Add("api-key", key);
            return headers;
        });
        return new QdrantVectorStore(new QdrantClient(new QdrantGrpcClient(invoker), timeout), collection, dimensions, endpoint.ToString(), channel);
    }

    public static (Uri Endpoint, string? Key) ParseConnectionString(string connectionString)
    {
        if (!connectionString.Contains('='))
        {
            return (new Uri(connectionString), null);
        }

        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        var endpoint = parts.GetValueOrDefault("Endpoint") ?? throw new FormatException("ConnectionStrings__qdrant needs Endpoint=http://host:6334 (Qdrant's gRPC port)");
        return (new Uri(endpoint), parts.GetValueOrDefault("Key"));
    }

    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => CallAsync(async () =>
    {
        if (!await client.CollectionExistsAsync(Collection, cancellationToken))
        {
            await client.CreateCollectionAsync(Collection, new VectorParams { Size = (ulong)Dimensions, Distance = Distance.Cosine }, cancellationToken: cancellationToken);
        }
    });

    public Task<bool> IsIntactAsync(CancellationToken cancellationToken) => CallAsync(() => client.CollectionExistsAsync(Collection, cancellationToken));

    public Task UpsertAsync(IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken) => points.Count == 0 ? Task.CompletedTask : CallAsync(() =>
        client.UpsertAsync(Collection, points.Select(ToPoint).ToList(), wait: true, cancellationToken: cancellationToken));

    public Task DeleteAsync(IReadOnlyList<long> scriptIds, CancellationToken cancellationToken) => scriptIds.Count == 0 ? Task.CompletedTask : CallAsync(() =>
        client.DeleteAsync(Collection, scriptIds.Select(id => (ulong)id).ToList(), wait: true, cancellationToken: cancellationToken));

    public async Task<IReadOnlyList<VectorHit>> SearchAsync(float[] query, int k, VectorFilter filter, CancellationToken cancellationToken)
    {
        if (query.Length != Dimensions || k <= 0)
        {
            return [];
        }

        var points = await CallAsync(() => client.QueryAsync(Collection, query, filter: ToFilter(filter), limit: (ulong)k, payloadSelector: false, cancellationToken: cancellationToken));
        return points.Select(p => new VectorHit((long)p.Id.Num, p.Score)).ToList();
    }

    public async Task<IReadOnlyCollection<long>> ListIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<long>();
        PointId? offset = null;
        do
        {
            var page = await CallAsync(() => client.ScrollAsync(Collection, limit: 1000, offset: offset, payloadSelector: false, vectorsSelector: false, cancellationToken: cancellationToken));
            ids.AddRange(page.Result.Select(p => (long)p.Id.Num));
            offset = page.NextPageOffset;
        }
        while (offset is not null);
        return ids;
    }

    /// <summary>True when Qdrant answers its health check.</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.HealthAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is global::Grpc.Core.RpcException or HttpRequestException or QdrantException or TimeoutException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        client.Dispose();
        channel?.Dispose();
    }

    /// <summary>Every filter of a search request, as Qdrant conditions (all must hold).</summary>
    public static Filter? ToFilter(VectorFilter filter)
    {
        var f = new Filter();
        if (filter.Category is not null)
        {
            f.Must.Add(MatchKeyword(Category, filter.Category));
        }

        if (!filter.IncludeDeprecated)
        {
            f.Must.Add(Match(Deprecated, false));
        }

        foreach (var tag in filter.Tags ?? [])
        {
            f.Must.Add(MatchKeyword(Tags, tag));
        }

        if (!string.IsNullOrEmpty(filter.AgentId))
        {
            f.Must.Add(MatchKeyword(Agents, filter.AgentId));
        }

        return f.Must.Count == 0 ? null : f;
    }

    private static PointStruct ToPoint(VectorPoint p)
    {
        var point = new PointStruct { Id = (ulong)p.ScriptId, Vectors = p.Vector };
        point.Payload[Category] = p.Category;
        point.Payload[Deprecated] = p.Deprecated;
        point.Payload[Tags] = List(p.Tags);
        point.Payload[Agents] = List(p.Agents);
        return point;
    }

    private static Value List(IReadOnlyList<string> values)
    {
        var list = new ListValue();
        list.Values.AddRange(values.Select(v => new Value { StringValue = v }));
        return new Value { ListValue = list };
    }

    private async Task CallAsync(Func<Task> call) => await CallAsync(async () =>
    {
        await call();
        return true;
    });

    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is global::Grpc.Core.RpcException or HttpRequestException or QdrantException or TimeoutException)
        {
            throw new VectorStoreUnavailableException(Name, e);
        }
    }
}
