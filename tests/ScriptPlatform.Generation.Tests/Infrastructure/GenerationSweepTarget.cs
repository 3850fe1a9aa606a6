using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Testing;
using ScriptPlatform.Testing.BadInput;

namespace ScriptPlatform.Generation.Tests.Infrastructure;

/// <summary>
/// A Generation service of its own for the sweep, whose drafting model and embedder are one scripted
/// server. Generation stores nothing, so what a refused call must leave as it was is the model's
/// traffic: the server's count of chat requests and of embedding calls (a refusal asks no model).
/// </summary>
public sealed class GenerationSweepTarget : ISweepTarget, IAsyncLifetime
{
    public const string ScriptName = "math_addition_001";

    // A sentence, then the script: usable as a draft (the extractor takes the fenced block) and as a summary (its first sentence).
    private static readonly string ModelReply = $"Adds two numbers.\n\n{Replies.Fenced(Replies.AdditionScript)}";

    private ScriptedModelServer _model = null!;
    private GenerationHost _host = null!;
    private DescriptorCaller _caller = null!;

    public async ValueTask InitializeAsync()
    {
        _model = await ScriptedModelServer.StartAsync();
        _model.Default = ScriptedReply.Text(ModelReply);
        _host = await GenerationHost.WithModelAsync(_model, embeddings: _model);
        _caller = new DescriptorCaller(_host.Channel.CreateCallInvoker(), GenerationService.Descriptor);
        // Warm-up (first-call JIT, the sandbox's first run) of every rpc.
        foreach (var method in GenerationService.Descriptor.Methods)
        {
            await CallAsync(method.Name, await BaseRequestAsync(method.Name));
        }
    }

    public ServiceDescriptor Service => GenerationService.Descriptor;

    /// <summary>
    /// A request the rpc accepts, with every swept field set, so each case differs from success in one
    /// field only. Drafts skip the sandbox's smoke run (static checks still run): the sweep is about the
    /// request's edge, and its one-second bound about how fast a bad value is answered.
    /// </summary>
    public Task<IMessage> BaseRequestAsync(string rpc) => Task.FromResult<IMessage>(rpc switch
    {
        "Generate" => new GenerateRequest
        {
            Description = "a script that adds two numbers", Category = "math", Task = "addition", Name = ScriptName,
            SkipValidation = true, ExampleParamsJson = Replies.Example, MaxRepairs = 1,
        },
        "Update" => new UpdateRequest
        {
            Content = Replies.AdditionScript, Instruction = "print the sum as well", Name = ScriptName, CurrentVersion = "1.0.0",
            SkipValidation = true, ExampleParamsJson = Replies.Example, MaxRepairs = 1,
        },
        "Summarise" => new SummariseRequest { Content = Replies.AdditionScript, Name = ScriptName, MaxWords = 30 },
        "Embed" => new EmbedRequest { Texts = { "adds two numbers" }, Model = "scripted-embedder" },
        "Classify" => new ClassifyRequest { Utterance = "could you add up two numbers for me", AllowedActions = { "run", "search" } },
        // An rpc added later is still swept, from its empty request.
        _ => GenerationService.Descriptor.FindMethodByName(rpc).InputType.Parser.ParseFrom(ByteString.Empty),
    });

    /// <summary>Calls <paramref name="rpc"/> with a 5 s deadline; the status and message of its answer.</summary>
    public Task<(StatusCode Status, string Detail)> CallAsync(string rpc, IMessage request) =>
        _caller.CallAsync(rpc, request, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(5)));

    /// <summary>Nothing runs in the background: the counts are settled at once.</summary>
    public Task<SortedDictionary<string, long>> SettledRowCountsAsync() => RowCountsAsync();

    /// <summary>What Generation has in place of tables: the requests its models received.</summary>
    public Task<SortedDictionary<string, long>> RowCountsAsync() => Task.FromResult(new SortedDictionary<string, long>(StringComparer.Ordinal)
    {
        ["model chat requests"] = _model.ChatRequests.Count,
        ["model embedding calls"] = Volatile.Read(ref _model.EmbeddingCalls),
    });

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _model.DisposeAsync();
    }
}
