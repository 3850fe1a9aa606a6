using ScriptPlatform.Registry.Search;

namespace ScriptPlatform.Registry.Tests.Unit;

public class InMemoryVectorIndexTests
{
    private static float[] RandomUnit(Random random, int dims)
    {
        var v = new float[dims];
        for (var i = 0; i < dims; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return SemanticIndex.Normalize(v);
    }

    [Fact]
    public void Search_returns_the_same_top_hits_as_exact_cosine()
    {
        var random = new Random(42);
        var index = new InMemoryVectorIndex(256);
        var vectors = Enumerable.Range(1, 3000).Select(i => (Id: (long)i, V: RandomUnit(random, 256))).ToList();
        foreach (var (id, v) in vectors)
        {
            index.Upsert(id, v, "c", false);
        }

        var query = RandomUnit(random, 256);
        var exact = vectors.Select(x => (x.Id, Sim: x.V.Zip(query, (a, b) => a * b).Sum())).OrderByDescending(x => x.Sim).Take(10).ToList();
        var hits = index.Search(query, 10, VectorFilter.None);
        Assert.Equal(exact[0].Id, hits[0].ScriptId);
        Assert.True(hits.Select(h => h.ScriptId).Intersect(exact.Select(e => e.Id)).Count() >= 8);
        Assert.Equal(exact[0].Sim, hits[0].Similarity, 2);
    }

    [Fact]
    public void Parallel_scan_over_many_vectors_finds_an_exact_copy_first()
    {
        var random = new Random(7);
        var index = new InMemoryVectorIndex(64, initialCapacity: 16);
        float[]? target = null;
        for (var i = 1; i <= 25_000; i++)
        {
            var v = RandomUnit(random, 64);
            target = i == 12_345 ? v : target;
            index.Upsert(i, v, "c", false);
        }

        var hit = index.Search(target!, 5, VectorFilter.None)[0];
        Assert.Equal(12_345, hit.ScriptId);
        Assert.True(hit.Similarity > 0.99f);
    }

    [Fact]
    public void Removed_deprecated_and_other_category_vectors_are_filtered()
    {
        var index = new InMemoryVectorIndex(4);
        index.Upsert(1, [1, 0, 0, 0], "math", false);
        index.Upsert(2, [1, 0, 0, 0], "text", false);
        index.Upsert(3, [1, 0, 0, 0], "math", true);
        index.Upsert(4, [1, 0, 0, 0], "math", false);
        index.Remove(4);

        Assert.Equal([1L, 2L], index.Search([1, 0, 0, 0], 10, VectorFilter.None).Select(h => h.ScriptId).Order());
        Assert.Equal([1L], index.Search([1, 0, 0, 0], 10, new VectorFilter("math")).Select(h => h.ScriptId));
        Assert.Equal([1L, 3L], index.Search([1, 0, 0, 0], 10, new VectorFilter("math", IncludeDeprecated: true)).Select(h => h.ScriptId).Order());
        Assert.Empty(index.Search([1, 0, 0, 0], 10, new VectorFilter("nope")));
        Assert.Equal(3, index.Count);
    }

    [Fact]
    public void Upsert_replaces_a_scripts_vector_and_reuses_freed_slots()
    {
        var index = new InMemoryVectorIndex(2);
        index.Upsert(1, [1, 0], "c", false);
        index.Upsert(1, [0, 1], "c", false);
        index.Upsert(2, [1, 0], "c", false);
        index.Remove(2);
        index.Upsert(3, [1, 0], "c", false);
        Assert.Equal(2, index.Count);
        Assert.Equal(3, index.Search([1, 0], 1, VectorFilter.None)[0].ScriptId);
        Assert.Equal(1, index.Search([0, 1], 1, VectorFilter.None)[0].ScriptId);
    }
}
