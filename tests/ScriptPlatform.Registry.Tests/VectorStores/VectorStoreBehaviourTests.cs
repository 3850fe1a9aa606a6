using ScriptPlatform.Registry.Search;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.VectorStores;

/// <summary>
/// One behavioural suite for every <see cref="IVectorStore"/>: the in-process index and Qdrant
/// (the real Qdrant.Client against <see cref="QdrantDouble"/>) must answer alike.
/// </summary>
public abstract class VectorStoreBehaviourTests : IAsyncLifetime
{
    protected const int Dims = 4;

    protected IVectorStore Store { get; private set; } = null!;

    protected abstract Task<IVectorStore> CreateAsync();

    public async ValueTask InitializeAsync()
    {
        Store = await CreateAsync();
        await Store.EnsureCreatedAsync(CancellationToken.None);
        await Store.EnsureCreatedAsync(CancellationToken.None); // idempotent
    }

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static VectorPoint Point(long id, float[] v, string category = "data", string[]? tags = null, bool deprecated = false, string[]? agents = null) =>
        new(id, SemanticIndex.Normalize(v), category, tags ?? [], deprecated, agents ?? []);

    private async Task<long[]> SearchIds(float[] query, VectorFilter? filter = null, int k = 10) =>
        (await Store.SearchAsync(SemanticIndex.Normalize(query), k, filter ?? VectorFilter.None, CancellationToken.None)).Select(h => h.ScriptId).ToArray();

    [Fact]
    public async Task Nearest_points_come_first_with_their_cosine_similarity()
    {
        await Store.UpsertAsync([Point(1, [1, 0, 0, 0]), Point(2, [1, 1, 0, 0]), Point(3, [0, 0, 1, 0])], CancellationToken.None);
        var hits = await Store.SearchAsync(SemanticIndex.Normalize([1, 0.1f, 0, 0]), 2, VectorFilter.None, CancellationToken.None);

        Assert.Equal([1L, 2L], hits.Select(h => h.ScriptId));
        // Exact cosines 0.995 and 0.774; the in-process index quantises to int8.
        Assert.InRange(hits[0].Similarity, 0.985, 1.0);
        Assert.InRange(hits[1].Similarity, 0.764, 0.784);
    }

    [Fact]
    public async Task An_upsert_replaces_a_point_and_a_delete_removes_it()
    {
        await Store.UpsertAsync([Point(1, [1, 0, 0, 0]), Point(2, [0, 1, 0, 0])], CancellationToken.None);
        await Store.UpsertAsync([Point(1, [0, 0, 0, 1])], CancellationToken.None);
        Assert.Equal(new long[] { 2L, 1L }, await SearchIds([0, 1, 0, 0.5f]));

        await Store.DeleteAsync([2], CancellationToken.None);
        Assert.Equal(new long[] { 1L }, await SearchIds([0, 1, 0, 0.5f]));
        Assert.Equal([1L], (await Store.ListIdsAsync(CancellationToken.None)).Order());
        await Store.DeleteAsync([42], CancellationToken.None); // unknown ids are no error
    }

    [Fact]
    public async Task Category_deprecation_tag_and_agent_filters_apply_inside_the_store()
    {
        await Store.UpsertAsync(
        [
            Point(1, [1, 0, 0, 0], "data", ["csv", "etl"], agents: ["agent-a"]),
            Point(2, [1, 0.1f, 0, 0], "image", ["png"]),
            Point(3, [1, 0.2f, 0, 0], "data", ["csv"], deprecated: true, agents: ["agent-a", "agent-b"]),
        ], CancellationToken.None);
        float[] q = [1, 0, 0, 0];

        Assert.Equal(new long[] { 1L, 2L }, await SearchIds(q));
        Assert.Equal(new long[] { 1L, 2L, 3L }, await SearchIds(q, new VectorFilter(IncludeDeprecated: true)));
        Assert.Equal(new long[] { 2L }, await SearchIds(q, new VectorFilter(Category: "image")));
        Assert.Equal(new long[] { 1L, 3L }, await SearchIds(q, new VectorFilter(IncludeDeprecated: true, Tags: ["csv"])));
        Assert.Equal(new long[] { 1L }, await SearchIds(q, new VectorFilter(Tags: ["csv", "etl"])));
        Assert.Empty(await SearchIds(q, new VectorFilter(Tags: ["csv", "png"])));
        Assert.Equal(new long[] { 3L }, await SearchIds(q, new VectorFilter(IncludeDeprecated: true, AgentId: "agent-b")));
        Assert.Equal(new long[] { 1L }, await SearchIds(q, new VectorFilter(AgentId: "agent-a")));
        Assert.Empty(await SearchIds(q, new VectorFilter(Category: "nope")));
    }

    [Fact]
    public async Task Many_points_page_through_list_ids_and_k_bounds_the_hits()
    {
        var points = Enumerable.Range(1, 2500).Select(i => Point(i, [i % 7 + 1, i % 5, i % 3, 1])).ToList();
        await Store.UpsertAsync(points, CancellationToken.None);
        Assert.Equal(2500, (await Store.ListIdsAsync(CancellationToken.None)).Distinct().Count());
        Assert.Equal(50, (await SearchIds([1, 1, 1, 1], k: 50)).Length);
    }
}

public sealed class InMemoryVectorStoreBehaviourTests : VectorStoreBehaviourTests
{
    protected override Task<IVectorStore> CreateAsync() => Task.FromResult<IVectorStore>(new InMemoryVectorIndex(Dims));
}

public sealed class QdrantVectorStoreBehaviourTests : VectorStoreBehaviourTests
{
    private QdrantDouble? _qdrant;

    protected override async Task<IVectorStore> CreateAsync()
    {
        _qdrant = await QdrantDouble.StartNewAsync();
        // Generous: on a loaded CI machine the first call (HTTP/2 connection, JIT) took over 5 s.
        return QdrantVectorStore.Create(_qdrant.ConnectionString, "scripts", Dims, TimeSpan.FromSeconds(20));
    }

    public override async ValueTask DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        if (_qdrant is not null)
        {
            await _qdrant.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_collection_is_created_once_with_the_models_dimension_and_cosine_distance()
    {
        Assert.Equal((ulong)Dims, _qdrant!.Collections["scripts"].Size);
        Assert.Single(_qdrant.Calls, c => c == "qdrant.Collections/Create");
    }

    [Fact]
    public async Task A_stopped_server_is_a_clear_unavailable_error_and_the_same_client_recovers()
    {
        await Store.UpsertAsync([new VectorPoint(1, [1, 0, 0, 0], "data", [], false, [])], CancellationToken.None);
        await _qdrant!.StopAsync();
        var e = await Assert.ThrowsAsync<VectorStoreUnavailableException>(() => Store.SearchAsync([1, 0, 0, 0], 5, VectorFilter.None, CancellationToken.None));
        Assert.Contains("qdrant at http://127.0.0.1:", e.Message);

        await _qdrant.StartAsync();
        // The channel reconnects after its back-off; no new client is needed.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                Assert.Equal(1, (await Store.SearchAsync([1, 0, 0, 0], 5, VectorFilter.None, CancellationToken.None)).Single().ScriptId);
                return;
            }
            catch (VectorStoreUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
