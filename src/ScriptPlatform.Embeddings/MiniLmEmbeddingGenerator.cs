using System.Buffers;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;

namespace ScriptPlatform.Embeddings;

/// <summary>
/// all-MiniLM-L6-v2 sentence embeddings in process: BERT word pieces (Microsoft.ML.Tokenizers),
/// the model's ONNX graph in ONNX Runtime, mean pooling over the attention mask, L2 normalisation.
/// Reproduces the sentence-transformers reference (384 dimensions, 256 word pieces at most).
/// <para>
/// The model is loaded once per process (<see cref="Shared"/>): a session holds ~90 MB of weights
/// and ONNX Runtime's <c>Run</c> is thread-safe, so every host and every caller share one. A call
/// embeds its texts in batches of similar length, so padding stays small.
/// </para>
/// </summary>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Identifies the model and how it is run; stored with vectors so a change re-embeds them.</summary>
    public const string ModelId = "sentence-transformers/all-MiniLM-L6-v2";

    public const int Dimensions = 384;

    /// <summary>The sentence-transformers configuration of this model truncates at 256 word pieces.</summary>
    public const int MaxTokens = 256;

    /// <summary>Texts per ONNX run: large enough to amortise the call, small enough to bound padding and memory.</summary>
    public const int BatchSize = 32;

    private static readonly Lazy<MiniLmEmbeddingGenerator> SharedInstance = new(() => new MiniLmEmbeddingGenerator(new MiniLmOptions()), LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<MiniLmEmbeddingGenerator> SingleThreadedInstance = new(() => new MiniLmEmbeddingGenerator(new MiniLmOptions { IntraOpThreads = 1 }), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly bool _hasTokenTypes;
    private readonly EmbeddingGeneratorMetadata _metadata = new("onnxruntime", null, ModelId, Dimensions);

    public MiniLmEmbeddingGenerator(MiniLmOptions options)
    {
        // Accent stripping decomposes characters (NFD), which needs ICU: in invariant-globalization mode
        // "café" silently becomes [UNK]. Refuse to start rather than embed accented text badly.
        if ("\u00e9".Normalize(System.Text.NormalizationForm.FormD).Length != 2)
        {
            throw new InvalidOperationException(
                "all-MiniLM-L6-v2 needs Unicode normalisation (ICU), which this process runs without: set <InvariantGlobalization>false</InvariantGlobalization> in the application's project (and install libicu).");
        }

        var files = MiniLmModelFiles.Extract(options.ModelDirectory);
        // Case folding and accent stripping as the model's own (uncased) tokenizer does; CJK characters
        // become single pieces. Non-ASCII words therefore reach the model instead of becoming [UNK].
        _tokenizer = BertTokenizer.Create(files.VocabularyPath, new BertOptions
        {
            LowerCaseBeforeTokenization = true,
            RemoveNonSpacingMarks = true,
            IndividuallyTokenizeCjk = true,
            ApplyBasicTokenization = true,
        });
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads > 0 ? options.IntraOpThreads : Math.Min(Environment.ProcessorCount, 4),
            InterOpNumThreads = 1,
        };
        // ONNX Runtime's pool threads busy-wait after each run by default. A query embeds in ~3 ms, and
        // on a small machine that spinning took as much CPU again from Postgres and the vector scan
        // running beside it (2 cores, loaded: 10.6 → 5.2 CPU-ms per query, p50 11.6 → 7.4 ms).
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        // Loading from a file path (not a byte array) lets ONNX Runtime map the weights: about half the RSS.
        _session = new InferenceSession(files.ModelPath, sessionOptions);
        _hasTokenTypes = _session.InputMetadata.ContainsKey("token_type_ids");
    }

    /// <summary>The process-wide instance with default options, loaded on first use.</summary>
    public static MiniLmEmbeddingGenerator Shared => SharedInstance.Value;

    /// <summary>
    /// The process-wide instance whose runs use only the calling thread (what <see cref="BackgroundEmbeddingGenerator"/>
    /// needs), loaded on first use: one more session per process, not one per host.
    /// </summary>
    public static MiniLmEmbeddingGenerator SharedSingleThreaded => SingleThreadedInstance.Value;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var vectors = new float[texts.Count][];
        var tokenized = new int[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            tokenized[i] = Tokenize(texts[i] ?? "");
        }

        // Similar lengths share a batch, so little of each run is spent on padding.
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => tokenized[i].Length).ToArray();
        for (var start = 0; start < order.Length; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = order.AsSpan(start, Math.Min(BatchSize, order.Length - start)).ToArray();
            if (start > 0 && Thread.CurrentThread.IsThreadPoolThread)
            {
                // A long list must not hold a request thread for its whole duration. A dedicated thread keeps the whole
                // call: BackgroundEmbeddingGenerator's run at a low priority, and yielding would move the rest of the
                // list to the thread pool, at normal priority, beside the requests.
                await Task.Yield();
            }

            RunBatch(batch, tokenized, vectors);
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count);
        foreach (var v in vectors)
        {
            result.Add(new Embedding<float>(v) { ModelId = ModelId });
        }

        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <summary>Nothing to release per user: the session lives as long as the process (see <see cref="Shared"/>).</summary>
    public void Dispose()
    {
    }

    /// <summary>Word-piece ids with [CLS] and [SEP], cut at <see cref="MaxTokens"/>.</summary>
    public int[] Tokenize(string text) =>
        [.. _tokenizer.EncodeToIds(text, MaxTokens, addSpecialTokens: true, out _, out _)];

    private void RunBatch(int[] batch, int[][] tokenized, float[][] vectors)
    {
        var length = batch.Max(i => tokenized[i].Length);
        var cells = batch.Length * length;
        var ids = new long[cells];
        var mask = new long[cells];
        for (var row = 0; row < batch.Length; row++)
        {
            var tokens = tokenized[batch[row]];
            for (var t = 0; t < tokens.Length; t++)
            {
                ids[(row * length) + t] = tokens[t];
                mask[(row * length) + t] = 1;
            }
        }

        long[] shape = [batch.Length, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = _hasTokenTypes ? OrtValue.CreateTensorValueFromMemory(new long[cells], shape) : null;
        var names = _hasTokenTypes ? new[] { "input_ids", "attention_mask", "token_type_ids" } : ["input_ids", "attention_mask"];
        var inputs = _hasTokenTypes ? new[] { idsValue, maskValue, typesValue! } : [idsValue, maskValue];
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, names, inputs, [_session.OutputNames[0]]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        var width = hidden.Length / cells;
        for (var row = 0; row < batch.Length; row++)
        {
            vectors[batch[row]] = MeanPoolAndNormalise(hidden.Slice(row * length * width, length * width), tokenized[batch[row]].Length, width);
        }
    }

    /// <summary>Mean of the token vectors under the attention mask (the real tokens of the row), scaled to unit length.</summary>
    private static float[] MeanPoolAndNormalise(ReadOnlySpan<float> rows, int tokens, int width)
    {
        var sum = ArrayPool<double>.Shared.Rent(width);
        try
        {
            Array.Clear(sum, 0, width);
            for (var t = 0; t < tokens; t++)
            {
                var token = rows.Slice(t * width, width);
                for (var d = 0; d < width; d++)
                {
                    sum[d] += token[d];
                }
            }

            double norm = 0;
            for (var d = 0; d < width; d++)
            {
                norm += sum[d] * sum[d];
            }

            var scale = norm > 0 ? 1 / Math.Sqrt(norm) : 0;
            var vector = new float[width];
            for (var d = 0; d < width; d++)
            {
                vector[d] = (float)(sum[d] * scale);
            }

            return vector;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(sum);
        }
    }
}

/// <summary>Settings of the in-process model: <c>ScriptPlatform:Embeddings:MiniLm</c>.</summary>
public sealed class MiniLmOptions
{
    /// <summary>Where the model file is copied out of the package once (default: a folder under the temp directory).</summary>
    public string? ModelDirectory { get; set; }

    /// <summary>ONNX Runtime threads per run (0: one per core, at most 4).</summary>
    public int IntraOpThreads { get; set; }
}
