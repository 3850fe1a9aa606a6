using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ScriptPlatform.Embeddings.Tests;

public sealed class MiniLmEmbeddingGeneratorTests
{
    private static readonly MiniLmEmbeddingGenerator Model = MiniLmEmbeddingGenerator.Shared;

    // The first six dimensions of the Python sentence-transformers reference for all-MiniLM-L6-v2,
    // including an empty text and one with accents, a dash and CJK characters.
    public static TheoryData<string, int[], float[]> Reference => new()
    {
        { "This is an example sentence", [101, 2023, 2003, 2019, 2742, 6251, 102], [0.06765693f, 0.06349593f, 0.04871314f, 0.07930495f, 0.03744806f, 0.00265273f] },
        { "Each sentence is converted.", [101, 2169, 6251, 2003, 4991, 1012, 102], [0.07853645f, 0.08856265f, -0.00209270f, -0.00717247f, -0.01252624f, 0.01881747f] },
        { "", [101, 102], [-0.11883835f, 0.04829856f, -0.00254805f, -0.01101118f, 0.05195070f, 0.01029179f] },
        { "Café déjà vu — 東京", [101, 7668, 2139, 3900, 24728, 1517, 1879, 1755, 102], [0.05083271f, 0.00967685f, 0.09635572f, -0.00997369f, -0.01987603f, 0.01692343f] },
    };

    [Theory]
    [MemberData(nameof(Reference))]
    public async Task Reproduces_the_reference_tokens_and_vectors(string text, int[] expectedIds, float[] expectedPrefix)
    {
        Assert.Equal(expectedIds, Model.Tokenize(text));
        var vector = (await Model.GenerateVectorAsync(text)).ToArray();

        Assert.Equal(MiniLmEmbeddingGenerator.Dimensions, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => (double)v * v)), 5);
        for (var i = 0; i < expectedPrefix.Length; i++)
        {
            Assert.Equal(expectedPrefix[i], vector[i], 4);
        }
    }

    [Fact]
    public async Task A_batch_gives_the_same_vectors_as_one_text_at_a_time()
    {
        // Padding to the longest text of a batch must not change any vector (the mask excludes it).
        string[] texts = ["short", "a much longer sentence about converting temperatures between celsius and fahrenheit", "Café déjà vu — 東京", ""];
        var batch = await Model.GenerateAsync(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            var single = await Model.GenerateVectorAsync(texts[i]);
            Assert.True(Cosine(batch[i].Vector.Span, single.Span) > 0.99999, texts[i]);
        }
    }

    [Fact]
    public async Task Paraphrases_are_close_and_unrelated_texts_far()
    {
        var v = await Model.GenerateAsync(["Convert a CSV file to JSON", "turn comma separated values into json", "Play a song through the speakers", "A man is eating food.", "A man is eating a piece of bread."]);
        var paraphrase = Cosine(v[0].Vector.Span, v[1].Vector.Span);
        var unrelated = Cosine(v[0].Vector.Span, v[2].Vector.Span);
        Assert.True(paraphrase > 0.6, $"paraphrase {paraphrase}");
        Assert.True(unrelated < 0.2, $"unrelated {unrelated}");
        Assert.True(Cosine(v[3].Vector.Span, v[4].Vector.Span) > 0.7);
    }

    [Fact]
    public async Task Non_ascii_text_reaches_the_model_instead_of_unknown_tokens()
    {
        // Accents are stripped as the uncased model expects: the accented and plain spellings agree.
        var v = await Model.GenerateAsync(["résumé parsing", "resume parsing", "数据 转换", "🚀🚀 launch the rocket", "launch the rocket"]);
        Assert.True(Cosine(v[0].Vector.Span, v[1].Vector.Span) > 0.999);
        // CJK characters are single pieces when the vocabulary has them (100 is [UNK]); characters
        // it lacks (many simplified ones) are [UNK] in the reference too, and still embed.
        var tokyo = Model.Tokenize("東京へ");
        Assert.Equal([101, 1879, 1755], tokyo[..3]);
        Assert.DoesNotContain(100, tokyo);
        Assert.True(Cosine(v[3].Vector.Span, v[4].Vector.Span) > 0.8);
        Assert.All(v, e => Assert.True(e.Vector.ToArray().All(float.IsFinite)));
    }

    [Fact]
    public async Task Oversized_input_is_cut_at_256_word_pieces()
    {
        var huge = string.Join(' ', Enumerable.Repeat("spreadsheet conversion utility", 50_000));
        Assert.Equal(MiniLmEmbeddingGenerator.MaxTokens, Model.Tokenize(huge).Length);
        var cut = string.Join(' ', Enumerable.Repeat("spreadsheet conversion utility", 200));
        var v = await Model.GenerateAsync([huge, cut]);
        Assert.True(Cosine(v[0].Vector.Span, v[1].Vector.Span) > 0.9999);
    }

    [Fact]
    public async Task Concurrent_callers_get_the_same_vectors_as_a_single_caller()
    {
        var texts = Enumerable.Range(0, 64).Select(i => $"script number {i} converts {(i % 2 == 0 ? "images" : "invoices")} in batch {i * 7}").ToArray();
        var expected = await Model.GenerateAsync(texts);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
            await Model.GenerateAsync(texts.Skip(c * 8).Take(8)))));
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.True(Cosine(results[i / 8][i % 8].Vector.Span, expected[i].Vector.Span) > 0.99999);
        }
    }

    [Fact]
    public async Task Registration_shares_one_loaded_model_and_describes_it()
    {
        using var a = new ServiceCollection().AddMiniLmEmbeddings().BuildServiceProvider();
        using var b = new ServiceCollection().AddMiniLmEmbeddings().BuildServiceProvider();
        var generator = a.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        Assert.Same(generator, b.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal((MiniLmEmbeddingGenerator.ModelId, 384), (metadata.DefaultModelId, metadata.DefaultModelDimensions));
        Assert.Equal(new EmbeddingModelInfo("onnx:sentence-transformers/all-MiniLM-L6-v2:384", 384), await generator.DescribeAsync());
    }

    [Fact]
    public async Task A_long_list_lets_a_request_thread_go_between_batches_but_a_dedicated_thread_keeps_the_whole_call()
    {
        // More than one batch. On a pool thread (a request) the call yields after its first batch; on a dedicated thread
        // (BackgroundEmbeddingGenerator's, at a low priority) it must not, or the other batches would run on the pool at
        // normal priority: then the returned task is complete when the call returns.
        var texts = Enumerable.Range(0, MiniLmEmbeddingGenerator.BatchSize * 3).Select(i => $"script number {i}").ToList();
        var generator = MiniLmEmbeddingGenerator.SharedSingleThreaded;

        Task<GeneratedEmbeddings<Embedding<float>>>? onPool = null;
        var poolCallReturnedDone = true;
        await Task.Run(() =>
        {
            onPool = generator.GenerateAsync(texts);
            poolCallReturnedDone = onPool.IsCompleted;
        });
        Assert.False(poolCallReturnedDone);
        Assert.Equal(texts.Count, (await onPool!).Count);

        Task<GeneratedEmbeddings<Embedding<float>>>? onThread = null;
        var thread = new Thread(() => onThread = generator.GenerateAsync(texts));
        thread.Start();
        thread.Join();
        Assert.True(onThread!.IsCompletedSuccessfully);
        Assert.Equal(texts.Count, (await onThread).Count);
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
}
