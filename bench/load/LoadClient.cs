using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Bench.Load;

/// <summary>The steps a client takes; an "ask to run" is two calls, the card and the Confirm yes.</summary>
public enum Step
{
    Search,
    Load,
    Run,
    AskSearch,
    AskRun,
}

/// <summary>
/// One client of the mix, as an agent would use the platform: Registry Search and Load by name, an
/// Executor Run of a small script, and Intent ("find a script that ...", "run X with ..." then Confirm
/// yes), each answer checked. Its own Intent session, as one conversation.
/// </summary>
public sealed class LoadClient(Clients clients, Seeding seeding, Recorder recorder, int id)
{
    public const string SearchOp = "Registry Search";
    public const string LoadOp = "Registry Load (by name)";
    public const string RunOp = "Executor Run (sync)";
    public const string AskSearchOp = "Intent Interpret \"find a script that ...\"";
    public const string AskRunOp = "Intent Interpret \"run X with ...\" (card)";
    public const string ConfirmOp = "Intent Confirm yes (runs X)";

    /// <summary>The operations in the order the table lists them.</summary>
    public static readonly string[] Operations = [SearchOp, LoadOp, RunOp, AskSearchOp, AskRunOp, ConfirmOp];

    // The mix's weights: reads most, then runs, then conversations.
    private static readonly Step[] Mix = [Step.Search, Step.Search, Step.Search, Step.Load, Step.Load, Step.Load, Step.Run, Step.Run, Step.AskSearch, Step.AskRun];

    private readonly Random _random = new(id);
    private readonly string _caller = $"load-client-{id}";
    private string _session = "";

    /// <summary>A step picked by the mix's weights.</summary>
    public Task RandomStepAsync() => StepAsync(Mix[_random.Next(Mix.Length)]);

    public async Task StepAsync(Step step)
    {
        var (name, description) = seeding.Scripts[_random.Next(seeding.Scripts.Count)];
        switch (step)
        {
            case Step.Search:
                await recorder.TimeAsync(SearchOp, async () =>
                {
                    var found = await clients.Registry.SearchAsync(new SearchRequest { Query = description, Limit = 10 }, Options());
                    Expect(found.Hits.Count > 0, $"no hits for \"{description}\"");
                });
                break;
            case Step.Load:
                await recorder.TimeAsync(LoadOp, async () =>
                {
                    var loaded = await clients.Registry.LoadAsync(new LoadRequest { Script = new ScriptRef { Name = name } }, Options());
                    Expect(loaded.Script.Name == name && loaded.Content.Length > 0, $"Load {name} answered {loaded.Script.Name}");
                });
                break;
            case Step.Run:
                var (a, b) = (_random.Next(1000), _random.Next(1000));
                await recorder.TimeAsync(RunOp, async () =>
                {
                    var run = await clients.Executor.RunAsync(new RunRequest
                    {
                        Script = new ScriptRef { Name = Seeding.Adder }, ParamsJson = $$"""{"a": {{a}}, "b": {{b}}}""", Caller = _caller,
                    }, Options());
                    ExpectSum(run.Execution, a + b);
                });
                break;
            case Step.AskSearch:
                await recorder.TimeAsync(AskSearchOp, async () =>
                {
                    var reply = await clients.Intent.InterpretAsync(new InterpretRequest
                    {
                        Utterance = $"find a script that can {description.ToLowerInvariant()}", SessionId = _session, Caller = _caller,
                    }, Options());
                    _session = reply.SessionId;
                    Expect(reply.Action == ActionKind.Search && reply.Outcome is { Ok: true } && reply.Outcome.Search.Hits.Count > 0,
                        $"{reply.Action}: {reply.Message}");
                });
                break;
            case Step.AskRun:
                var (x, y) = (_random.Next(1000), _random.Next(1000));
                var confirmation = "";
                var carded = await recorder.TimeAsync(AskRunOp, async () =>
                {
                    var card = await clients.Intent.InterpretAsync(new InterpretRequest
                    {
                        Utterance = $"run {Seeding.Adder} with a={x} b={y}", SessionId = _session, Caller = _caller,
                    }, Options());
                    _session = card.SessionId;
                    Expect(card.NeedsConfirmation && card.Proposal.ConfirmationId.Length > 0, $"{card.Action}: {card.Message}");
                    confirmation = card.Proposal.ConfirmationId;
                });
                if (carded)
                {
                    await recorder.TimeAsync(ConfirmOp, async () =>
                    {
                        var done = await clients.Intent.ConfirmAsync(new ConfirmRequest { ConfirmationId = confirmation, Answer = ConfirmAnswer.Yes, Caller = _caller }, Options());
                        Expect(done.Outcome is { Ok: true }, done.Message);
                        ExpectSum(done.Outcome.Execution, x + y);
                    });
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, null);
        }
    }

    // A generous deadline: a call slower than this under load is an error, not a latency.
    private CallOptions Options() => new(clients.Admin, DateTime.UtcNow.AddSeconds(60));

    private static void ExpectSum(Execution execution, int sum)
    {
        Expect(execution.Status == ExecutionStatus.Success, $"run {execution.Status}: {execution.Error} {execution.StderrTail}");
        Expect(JsonDocument.Parse(execution.DataJson).RootElement.GetProperty("sum").GetInt32() == sum, $"wrong sum: {execution.DataJson}");
    }

    private static void Expect(bool ok, string message)
    {
        if (!ok)
        {
            throw new UnexpectedAnswerException(message);
        }
    }
}

/// <summary>One client's connections (a channel, so an HTTP/2 connection, per service, as separate agents would have) and the key every call carries.</summary>
public sealed class Clients : IDisposable
{
    private readonly GrpcChannel[] _channels;

    public Clients(Uri registry, Uri executor, Uri intent, Metadata admin)
    {
        _channels = [PlatformGrpcClients.CreateChannel(registry), PlatformGrpcClients.CreateChannel(executor), PlatformGrpcClients.CreateChannel(intent)];
        Registry = new RegistryService.RegistryServiceClient(_channels[0]);
        Executor = new ExecutorService.ExecutorServiceClient(_channels[1]);
        Intent = new IntentService.IntentServiceClient(_channels[2]);
        Admin = admin;
    }

    public RegistryService.RegistryServiceClient Registry { get; }

    public ExecutorService.ExecutorServiceClient Executor { get; }

    public IntentService.IntentServiceClient Intent { get; }

    public Metadata Admin { get; }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
