using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Qdrant.Client.Grpc;

namespace ScriptPlatform.Testing;

/// <summary>
/// A local gRPC server speaking Qdrant's protocol (no Qdrant server is obtainable here), so the
/// real Qdrant.Client runs against it. The methods the platform uses are registered by hand with
/// Qdrant.Client's own message types: health, collection exists/create/delete, upsert, delete,
/// query (exact cosine with keyword/boolean filters evaluated honestly), scroll, count. Anything
/// else answers UNIMPLEMENTED. <see cref="StopAsync"/> and <see cref="StartAsync"/> take the
/// server down and back up on the same port with its data kept, as a restarted Qdrant would;
/// <see cref="LoseData"/> in between makes it come back empty, as a Qdrant without its storage does.
/// </summary>
public sealed class QdrantDouble : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Collection> _collections = new();
    private WebApplication? _app;
    private int _port;

    public Uri Address => new($"http://127.0.0.1:{_port}");

    /// <summary>The value for <c>ConnectionStrings__qdrant</c>.</summary>
    public string ConnectionString => $"Endpoint={Address}";

    /// <summary>Every call received, as "Service/Method" (for asserting what the client did).</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public static async Task<QdrantDouble> StartNewAsync()
    {
        var qdrant = new QdrantDouble();
        await qdrant.StartAsync();
        return qdrant;
    }

    public sealed class Collection(ulong size)
    {
        public ulong Size { get; } = size;

        public ConcurrentDictionary<ulong, (float[] Vector, Google.Protobuf.Collections.MapField<string, Value> Payload)> Points { get; } = new();
    }

    public IReadOnlyDictionary<string, Collection> Collections => _collections;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, _port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        builder.Services.AddSingleton<IServiceMethodProvider<QdrantDouble>, MethodProvider>();
        _app = builder.Build();
        _app.MapGrpcService<QdrantDouble>();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _port = new Uri(address).Port;
    }

    /// <summary>Takes the server down (connections refused) until <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>Forgets every collection and point, as a Qdrant restarted without its storage volume has none.</summary>
    public void LoseData() => _collections.Clear();

    public ValueTask DisposeAsync() => new(StopAsync());

    private sealed class MethodProvider : IServiceMethodProvider<QdrantDouble>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<QdrantDouble> context)
        {
            Add<HealthCheckRequest, HealthCheckReply>(context, "qdrant.Qdrant", "HealthCheck", (q, _) => new HealthCheckReply { Title = "qdrant double", Version = "1.16.0" });
            Add<CollectionExistsRequest, CollectionExistsResponse>(context, "qdrant.Collections", "CollectionExists",
                (q, r) => new CollectionExistsResponse { Result = new CollectionExists { Exists = q._collections.ContainsKey(r.CollectionName) } });
            Add<CreateCollection, CollectionOperationResponse>(context, "qdrant.Collections", "Create", (q, r) =>
            {
                if (r.VectorsConfig?.Params is not { Distance: Distance.Cosine } p)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "the double supports one unnamed cosine vector per point"));
                }

                return new CollectionOperationResponse { Result = q._collections.TryAdd(r.CollectionName, new Collection(p.Size)) };
            });
            Add<DeleteCollection, CollectionOperationResponse>(context, "qdrant.Collections", "Delete",
                (q, r) => new CollectionOperationResponse { Result = q._collections.TryRemove(r.CollectionName, out _) });
            Add<UpsertPoints, PointsOperationResponse>(context, "qdrant.Points", "Upsert", (q, r) =>
            {
                var collection = q.Get(r.CollectionName);
                foreach (var point in r.Points)
                {
                    // Newer clients send Vector.Dense, older ones the deprecated Vector.Data.
                    var v = point.Vectors.Vector;
#pragma warning disable CS0612 // Vector.Data is deprecated in the protocol, and still sent.
                    var vector = (v.Dense?.Data.Count > 0 ? v.Dense.Data : v.Data).ToArray();
#pragma warning restore CS0612
                    if ((ulong)vector.Length != collection.Size)
                    {
                        throw new RpcException(new Status(StatusCode.InvalidArgument, $"Wrong input: Vector dimension error: expected dim: {collection.Size}, got {vector.Length}"));
                    }

                    collection.Points[point.Id.Num] = (vector, point.Payload);
                }

                return Completed();
            });
            Add<DeletePoints, PointsOperationResponse>(context, "qdrant.Points", "Delete", (q, r) =>
            {
                var collection = q.Get(r.CollectionName);
                foreach (var id in r.Points.Points.Ids)
                {
                    collection.Points.TryRemove(id.Num, out _);
                }

                return Completed();
            });
            Add<QueryPoints, QueryResponse>(context, "qdrant.Points", "Query", (q, r) =>
            {
                var collection = q.Get(r.CollectionName);
                var nearest = r.Query.Nearest;
                var query = nearest.Dense?.Data.ToArray() ?? throw new RpcException(new Status(StatusCode.Unimplemented, $"the double answers dense nearest queries only, not {nearest.VariantCase}"));
                var response = new QueryResponse();
                response.Result.AddRange(collection.Points
                    .Where(p => Matches(r.Filter, p.Value.Payload))
                    .Select(p => new ScoredPoint { Id = p.Key, Score = Cosine(query, p.Value.Vector), Version = 1 })
                    .OrderByDescending(p => p.Score).ThenBy(p => p.Id.Num)
                    .Take((int)(r.HasLimit ? r.Limit : 10)));
                return response;
            });
            Add<ScrollPoints, ScrollResponse>(context, "qdrant.Points", "Scroll", (q, r) =>
            {
                var collection = q.Get(r.CollectionName);
                var from = r.Offset?.Num ?? 0;
                var limit = (int)(r.HasLimit ? r.Limit : 10);
                var page = collection.Points.Keys.Where(id => id >= from).Order().Take(limit + 1).ToList();
                var response = new ScrollResponse();
                response.Result.AddRange(page.Take(limit).Select(id => new RetrievedPoint { Id = id }));
                if (page.Count > limit)
                {
                    response.NextPageOffset = page[^1];
                }

                return response;
            });
            Add<CountPoints, CountResponse>(context, "qdrant.Points", "Count",
                (q, r) => new CountResponse { Result = new CountResult { Count = (ulong)q.Get(r.CollectionName).Points.Count(p => Matches(r.Filter, p.Value.Payload)) } });
        }

        private static void Add<TRequest, TResponse>(ServiceMethodProviderContext<QdrantDouble> context, string service, string name, Func<QdrantDouble, TRequest, TResponse> handle)
            where TRequest : class, IMessage<TRequest>, new()
            where TResponse : class, IMessage<TResponse>
        {
            var parser = new MessageParser<TRequest>(() => new TRequest());
            var method = new Method<TRequest, TResponse>(MethodType.Unary, service, name,
                Marshallers.Create<TRequest>(m => m.ToByteArray(), parser.ParseFrom), Marshallers.Create<TResponse>(m => m.ToByteArray(), _ => throw new NotSupportedException()));
            context.AddUnaryMethod(method, [], (double_, request, call) =>
            {
                double_.Calls.Enqueue($"{service}/{name}");
                return Task.FromResult(handle(double_, request));
            });
        }
    }

    private Collection Get(string name) =>
        _collections.TryGetValue(name, out var c) ? c : throw new RpcException(new Status(StatusCode.NotFound, $"Not found: Collection `{name}` doesn't exist!"));

    private static PointsOperationResponse Completed() => new() { Result = new UpdateResult { Status = UpdateStatus.Completed, OperationId = 1 } };

    private static float Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0 : (float)(dot / Math.Sqrt(na * nb));
    }

    /// <summary>Qdrant's filter semantics for what the double supports: must / must_not / should of keyword and boolean matches (a list payload matches when any element does).</summary>
    private static bool Matches(Filter? filter, Google.Protobuf.Collections.MapField<string, Value> payload)
    {
        if (filter is null)
        {
            return true;
        }

        return filter.Must.All(c => Holds(c, payload))
            && !filter.MustNot.Any(c => Holds(c, payload))
            && (filter.Should.Count == 0 || filter.Should.Any(c => Holds(c, payload)));
    }

    private static bool Holds(Condition condition, Google.Protobuf.Collections.MapField<string, Value> payload)
    {
        if (condition.Filter is { } nested)
        {
            return Matches(nested, payload);
        }

        var field = condition.Field ?? throw new RpcException(new Status(StatusCode.Unimplemented, $"the double does not evaluate {condition.ConditionOneOfCase} conditions"));
        if (!payload.TryGetValue(field.Key, out var value))
        {
            return false;
        }

        var values = value.KindCase == Value.KindOneofCase.ListValue ? value.ListValue.Values.ToList() : [value];
        return field.Match.MatchValueCase switch
        {
            Match.MatchValueOneofCase.Keyword => values.Any(v => v.KindCase == Value.KindOneofCase.StringValue && v.StringValue == field.Match.Keyword),
            Match.MatchValueOneofCase.Boolean => values.Any(v => v.KindCase == Value.KindOneofCase.BoolValue && v.BoolValue == field.Match.Boolean),
            _ => throw new RpcException(new Status(StatusCode.Unimplemented, $"the double does not evaluate {field.Match.MatchValueCase} matches")),
        };
    }
}
