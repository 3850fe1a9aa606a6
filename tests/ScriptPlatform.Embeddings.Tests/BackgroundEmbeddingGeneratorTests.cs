using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ScriptPlatform.Embeddings.Tests;

public sealed class BackgroundEmbeddingGeneratorTests
{
    [Fact]
    public async Task Gives_the_models_vectors_in_order_when_a_call_is_split_across_threads()
    {
        // 40 texts over 2 threads: two shares, each run by its own single-threaded session.
        var texts = Enumerable.Range(0, 40).Select(i => i % 3 == 0 ? $"convert file {i} from csv to json" : $"résumé № {i}: 東京 {new string('x', i)}").ToList();
        using var background = new BackgroundEmbeddingGenerator(MiniLmEmbeddingGenerator.SharedSingleThreaded, threads: 2);

        var split = await background.GenerateAsync(texts);
        var direct = await MiniLmEmbeddingGenerator.Shared.GenerateAsync(texts);

        Assert.Equal(texts.Count, split.Count);
        for (var i = 0; i < texts.Count; i++)
        {
            Assert.True(Cosine(split[i].Vector.Span, direct[i].Vector.Span) > 0.99999, texts[i]);
        }
    }

    [Fact]
    public async Task Runs_the_work_on_threads_at_a_lower_priority_than_the_callers()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "per-thread nice values are a Linux feature");
        using var background = new BackgroundEmbeddingGenerator(new ThreadNiceness(sharesAtOnce: 2), threads: 2);

        var seen = await background.GenerateAsync(Enumerable.Range(0, 32).Select(i => $"text {i}"));

        Assert.Equal(32, seen.Count);
        Assert.All(seen, e => Assert.Equal(BackgroundEmbeddingGenerator.Niceness, e.Vector.Span[0]));
        Assert.Equal(2, seen.Select(e => e.Vector.Span[1]).Distinct().Count()); // both threads took a share
        Assert.Equal(0, ThreadNiceness.Current()); // the caller's own priority is untouched
    }

    [Fact]
    public async Task A_failure_or_a_cancellation_reaches_the_caller_and_the_threads_keep_serving()
    {
        using var background = new BackgroundEmbeddingGenerator(new ThreadNiceness(), threads: 2);

        await Assert.ThrowsAsync<ArgumentException>(() => background.GenerateAsync(["fail"]));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => background.GenerateAsync(["a"], cancellationToken: cancelled.Token));
        Assert.Single(await background.GenerateAsync(["still here"]));
    }

    [Fact]
    public void The_registry_gets_a_background_generator_of_its_own_for_the_in_process_model_and_the_endpoint_itself_otherwise()
    {
        using var local = new ServiceCollection().AddEmbeddings(new ConfigurationBuilder().Build()).BuildServiceProvider();
        Assert.IsType<BackgroundEmbeddingGenerator>(local.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(EmbeddingsExtensions.BackgroundKey));

        var endpoint = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Endpoint"] = "http://127.0.0.1:9/v1" }).Build();
        using var remote = new ServiceCollection().AddEmbeddings(endpoint).BuildServiceProvider();
        Assert.Same(remote.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
            remote.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(EmbeddingsExtensions.BackgroundKey));
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
        }

        return dot;
    }

    /// <summary>
    /// Answers each text with the nice value and id of the thread that embedded it; "fail" throws. With
    /// <paramref name="sharesAtOnce"/>, each call waits until that many calls are running together (on one thread the
    /// second never comes, and the wait fails).
    /// </summary>
    private sealed class ThreadNiceness(int sharesAtOnce = 1) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly Barrier _together = new(sharesAtOnce);

        public static int Current()
        {
            // /proc/thread-self/stat: field 19 is the nice value (after the command name, which may hold spaces).
            var stat = File.ReadAllText("/proc/thread-self/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], CultureInfo.InvariantCulture);
        }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToList();
            if (texts.Contains("fail"))
            {
                throw new ArgumentException("the model refused this text");
            }

            if (!_together.SignalAndWait(TimeSpan.FromSeconds(30), cancellationToken))
            {
                throw new TimeoutException("the other share never ran beside this one");
            }

            return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(texts.Select(_ => new Embedding<float>(new float[] { Current(), Environment.CurrentManagedThreadId }))));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() => _together.Dispose();
    }
}
