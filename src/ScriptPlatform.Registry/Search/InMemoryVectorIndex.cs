using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Brute-force cosine search over int8-quantised unit vectors in one contiguous array. int8 keeps
/// 100,000 × 256 dimensions at 25 MB, so a full scan is bound by memory bandwidth at a few
/// milliseconds; the ranking error of 8-bit quantisation is far below the gap between relevant and
/// irrelevant scripts. Large scans are split across cores.
/// </summary>
public sealed class InMemoryVectorIndex : IVectorStore
{
    private const int ParallelThreshold = 20_000;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<long, int> _slots = [];
    private readonly Stack<int> _free = new();
    private readonly Dictionary<string, int> _categoryIds = new(StringComparer.Ordinal);
    private sbyte[] _data;
    private float[] _scales;
    private long[] _ids;
    private int[] _categories;
    private bool[] _deprecated;
    private string[][] _tags;
    private string[][] _agents;
    private int _used;

    public InMemoryVectorIndex(int dimensions, int initialCapacity = 1024)
    {
        // Whole 32-byte lanes keep the inner loop free of tails.
        Dimensions = dimensions;
        Stride = (dimensions + 31) / 32 * 32;
        _data = new sbyte[(long)initialCapacity * Stride];
        _scales = new float[initialCapacity];
        _ids = new long[initialCapacity];
        _categories = new int[initialCapacity];
        _deprecated = new bool[initialCapacity];
        _tags = new string[initialCapacity][];
        _agents = new string[initialCapacity][];
    }

    public int Dimensions { get; }

    public string Name => "in-process";

    public bool IsInProcess => true;

    private int Stride { get; }

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _slots.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    public long MemoryBytes => _data.LongLength + (_scales.Length * 4L) + (_ids.Length * 8L) + (_categories.Length * 4L) + _deprecated.Length + (_slots.Count * 40L);

    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>It lives and dies with this process: it cannot lose its points behind the synchroniser's back.</summary>
    public Task<bool> IsIntactAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    public Task UpsertAsync(IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken)
    {
        foreach (var p in points)
        {
            Upsert(p.ScriptId, p.Vector, p.Category, p.Deprecated, p.Tags, p.Agents);
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(IReadOnlyList<long> scriptIds, CancellationToken cancellationToken)
    {
        foreach (var id in scriptIds)
        {
            Remove(id);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<VectorHit>> SearchAsync(float[] query, int k, VectorFilter filter, CancellationToken cancellationToken) =>
        Task.FromResult(Search(query, k, filter));

    public Task<IReadOnlyCollection<long>> ListIdsAsync(CancellationToken cancellationToken)
    {
        _lock.EnterReadLock();
        try
        {
            return Task.FromResult<IReadOnlyCollection<long>>(_slots.Keys.ToArray());
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public void Upsert(long scriptId, ReadOnlySpan<float> vector, string category, bool deprecated, IReadOnlyList<string>? tags = null, IReadOnlyList<string>? agents = null)
    {
        if (vector.Length != Dimensions)
        {
            throw new ArgumentException($"Vector has {vector.Length} dimensions; the index has {Dimensions}.", nameof(vector));
        }

        Span<sbyte> quantised = stackalloc sbyte[Stride];
        quantised.Clear();
        var scale = Quantise(vector, quantised);

        _lock.EnterWriteLock();
        try
        {
            if (!_slots.TryGetValue(scriptId, out var slot))
            {
                slot = _free.Count > 0 ? _free.Pop() : _used++;
                EnsureCapacity(slot + 1);
                _slots[scriptId] = slot;
            }

            quantised.CopyTo(_data.AsSpan((int)((long)slot * Stride), Stride));
            _scales[slot] = scale;
            _ids[slot] = scriptId;
            _deprecated[slot] = deprecated;
            _tags[slot] = tags is { Count: > 0 } ? [.. tags] : [];
            _agents[slot] = agents is { Count: > 0 } ? [.. agents] : [];
            if (!_categoryIds.TryGetValue(category, out var categoryId))
            {
                _categoryIds[category] = categoryId = _categoryIds.Count + 1;
            }

            _categories[slot] = categoryId;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Remove(long scriptId)
    {
        _lock.EnterWriteLock();
        try
        {
            if (_slots.Remove(scriptId, out var slot))
            {
                _scales[slot] = 0;
                _ids[slot] = 0;
                _categories[slot] = -1;
                _tags[slot] = [];
                _agents[slot] = [];
                _free.Push(slot);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, VectorFilter filter)
    {
        if (query.Length != Dimensions || k <= 0)
        {
            return [];
        }

        var q = new sbyte[Stride];
        var queryScale = Quantise(query, q);
        _lock.EnterReadLock();
        try
        {
            var category = 0;
            if (filter.Category is not null && !_categoryIds.TryGetValue(filter.Category, out category))
            {
                return [];
            }

            var scan = new Scan(this, q, queryScale, category, filter, k);
            var used = _used;
            if (used < ParallelThreshold)
            {
                return Finish(scan.Run(0, used), k);
            }

            var parts = Math.Min(Environment.ProcessorCount, 4);
            var results = new TopK[parts];
            var chunk = (used + parts - 1) / parts;
            Parallel.For(0, parts, p => results[p] = scan.Run(p * chunk, Math.Min(used, (p + 1) * chunk)));
            var merged = new TopK(k);
            foreach (var r in results)
            {
                r.MergeInto(merged);
            }

            return Finish(merged, k);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private static List<VectorHit> Finish(TopK top, int k) => top.Sorted().Take(k).ToList();

    private static float Quantise(ReadOnlySpan<float> vector, Span<sbyte> target)
    {
        var max = 0f;
        foreach (var v in vector)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        if (max == 0)
        {
            return 0;
        }

        var factor = 127f / max;
        for (var i = 0; i < vector.Length; i++)
        {
            target[i] = (sbyte)Math.Round(vector[i] * factor);
        }

        return max / 127f;
    }

    private void EnsureCapacity(int slots)
    {
        if (slots <= _scales.Length)
        {
            return;
        }

        var capacity = Math.Max(slots, _scales.Length * 2);
        Array.Resize(ref _data, capacity * Stride);
        Array.Resize(ref _scales, capacity);
        Array.Resize(ref _ids, capacity);
        Array.Resize(ref _categories, capacity);
        Array.Resize(ref _deprecated, capacity);
        Array.Resize(ref _tags, capacity);
        Array.Resize(ref _agents, capacity);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        if (Avx2.IsSupported)
        {
            var acc = Vector256<int>.Zero;
            ref var ra = ref MemoryMarshal.GetReference(a);
            ref var rb = ref MemoryMarshal.GetReference(b);
            for (var i = 0; i < a.Length; i += 16)
            {
                var va = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref ra, (nuint)i));
                var vb = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref rb, (nuint)i));
                acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(va, vb));
            }

            return Vector256.Sum(acc);
        }

        var sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private sealed class Scan(InMemoryVectorIndex index, sbyte[] query, float queryScale, int category, VectorFilter filter, int k)
    {
        public TopK Run(int from, int to)
        {
            var top = new TopK(k);
            var stride = index.Stride;
            var data = index._data;
            var scales = index._scales;
            var categories = index._categories;
            var deprecated = index._deprecated;
            var includeDeprecated = filter.IncludeDeprecated;
            var tags = filter.Tags is { Count: > 0 } ? filter.Tags : null;
            var agent = string.IsNullOrEmpty(filter.AgentId) ? null : filter.AgentId;
            for (var slot = from; slot < to; slot++)
            {
                var scale = scales[slot];
                if (scale == 0 || (category != 0 && categories[slot] != category) || (!includeDeprecated && deprecated[slot]))
                {
                    continue;
                }

                if ((tags is not null && !tags.All(index._tags[slot].Contains)) || (agent is not null && !index._agents[slot].Contains(agent)))
                {
                    continue;
                }

                var similarity = Dot(data.AsSpan(slot * stride, stride), query) * scale * queryScale;
                top.Offer(index._ids[slot], similarity);
            }

            return top;
        }
    }

    /// <summary>A bounded min-heap of the best hits seen.</summary>
    private sealed class TopK(int k)
    {
        private readonly PriorityQueue<long, float> _heap = new(k + 1);

        public void Offer(long id, float similarity)
        {
            if (_heap.Count < k)
            {
                _heap.Enqueue(id, similarity);
            }
            else if (_heap.TryPeek(out _, out var worst) && similarity > worst)
            {
                _heap.DequeueEnqueue(id, similarity);
            }
        }

        public void MergeInto(TopK other)
        {
            foreach (var (id, similarity) in _heap.UnorderedItems)
            {
                other.Offer(id, similarity);
            }
        }

        public IEnumerable<VectorHit> Sorted() =>
            _heap.UnorderedItems.Select(x => new VectorHit(x.Element, x.Priority)).OrderByDescending(h => h.Similarity).ThenBy(h => h.ScriptId);
    }
}
