using System.Text.Json;
using Grpc.Core;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Intent.Parsing;
using ScriptPlatform.Intent.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Intent.Tests.Grpc;

/// <summary>
/// Issue 14's fallback for what the parser cannot place: an Intent replica wired to the real Generation service, whose
/// drafting model is the scripted server, classifies the request; without it (or without a usable answer) the user is asked.
/// </summary>
public sealed class ClassifierTests(IntentPlatform platform) : IAsyncLifetime
{
    // Slot uids of these tests' Generation sandboxes, apart from the Executor's (62400) and the Generation suite's (60000+).
    private const int GenerationBaseUid = 62600;

    private ScriptedModelServer _model = null!;
    private GenerationHost _generation = null!;
    private IntentHost _intent = null!;

    public async ValueTask InitializeAsync()
    {
        _model = await ScriptedModelServer.StartAsync();
        _generation = await GenerationHost.WithModelAsync(_model, settings: new Dictionary<string, string?>
        {
            ["ScriptPlatform:Sandbox:BaseUid"] = GenerationBaseUid.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        _intent = await platform.StartIntentAsync(settings: new Dictionary<string, string?>
        {
            [$"services:{PlatformServices.Generation}:http:0"] = _generation.Address.ToString(),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _intent.DisposeAsync();
        await _generation.DisposeAsync();
        await _model.DisposeAsync();
    }

    /// <summary>Says nothing the parser recognises: no verb, only a script's name.</summary>
    private static string Ambiguous(string name) => $"the numbers 2 and 3 need adding up by {name}";

    private static ScriptedReply Classified(string action, double confidence, object entities) =>
        ScriptedReply.Text(JsonSerializer.Serialize(new { action, confidence, entities }));

    private async Task<string> PublishAsync()
    {
        var name = Scripts.UniqueName();
        await platform.Registry.PublishAsync(Scripts.Publish(name), platform.Alice);
        return name;
    }

    private Task<InterpretResponse> SayAsync(IntentHost host, string text, string session = "") =>
        host.Client.InterpretAsync(new InterpretRequest { Utterance = text, SessionId = session }, platform.Alice).ResponseAsync;

    private async Task<int> ExecutionsOfAsync(string name) =>
        (await platform.Executor.ListExecutionsAsync(new ListExecutionsRequest { ScriptName = name }, platform.Alice)).Executions.Count;

    [Fact]
    public async Task An_ambiguous_request_classified_as_a_run_gets_the_run_card_and_runs_only_after_yes()
    {
        var name = await PublishAsync();
        Assert.Equal(ActionKind.Clarify, IntentParser.Parse(Ambiguous(name)).Action);
        _model.Enqueue(Classified("run", 0.9, new { name = name + ".py", @params = new { a = 2, b = 3 } }));

        var card = await SayAsync(_intent, Ambiguous(name));

        Assert.Equal(ActionKind.Run, card.Action);
        Assert.True(card.NeedsConfirmation);
        Assert.Equal($"Do you want to execute {name}.py?", card.Message);
        Assert.Equal(name, card.Card.TargetName);
        Assert.Equal("1.0.0", card.Card.TargetVersion);
        Assert.Equal(ConfirmationState.Pending, card.Proposal.State);
        Assert.Equal(name, card.Entities.Name);
        Assert.Equal(0, await ExecutionsOfAsync(name));
        // The model was offered the request actions only: never confirm, cancel or clarify.
        var system = _model.Messages(0)[0].Content;
        Assert.Contains("one of: generate, run, update, delete, search, load, publish, help, versions, tools, batch>\"", system, StringComparison.Ordinal);

        var done = await SayAsync(_intent, "yes", card.SessionId);

        Assert.Equal(ActionKind.Confirm, done.Action);
        Assert.Equal("Code executed successfully!", done.Message);
        Assert.Equal(5, JsonDocument.Parse(done.Outcome.OutputJson).RootElement.GetProperty("sum").GetInt32());
        Assert.Equal(1, await ExecutionsOfAsync(name));
        Assert.Single(_model.ChatRequests);
    }

    [Fact]
    public async Task A_request_the_parser_recognises_and_a_yes_never_ask_the_model()
    {
        var name = await PublishAsync();

        var card = await SayAsync(_intent, $"run code {name}.py with a=1 b=1");
        var done = await SayAsync(_intent, "yes", card.SessionId);
        var nothing = await SayAsync(_intent, "yes, and also delete everything", card.SessionId);

        Assert.Equal(ActionKind.Run, card.Action);
        Assert.Equal("Code executed successfully!", done.Message);
        Assert.NotEqual(ActionKind.Run, nothing.Action);
        Assert.Empty(_model.ChatRequests);
    }

    [Fact]
    public async Task Garbage_an_action_not_allowed_a_low_confidence_a_made_up_name_or_a_missing_entity_get_the_clarifying_question()
    {
        var name = await PublishAsync();
        // Each reply in turn: prose, "confirm" (not offered), too unsure, a name no script can have, an update saying nothing to change.
        _model.Enqueue(
            ScriptedReply.Text("I believe the user would like to add numbers."),
            ScriptedReply.Text("""{"action": "confirm", "confidence": 1.0, "entities": {}}"""),
            Classified("run", 0.3, new { name }),
            Classified("run", 0.95, new { name = "rm -rf /" }),
            Classified("update", 0.95, new { name }));

        for (var i = 0; i < 5; i++)
        {
            var answer = await SayAsync(_intent, Ambiguous(name));

            Assert.Equal(ActionKind.Clarify, answer.Action);
            Assert.False(answer.NeedsConfirmation);
            Assert.StartsWith($"What should I do with {name}?", answer.Message, StringComparison.Ordinal);
        }

        Assert.Equal(5, _model.ChatRequests.Count);
        Assert.Equal(0, await ExecutionsOfAsync(name));
    }

    [Fact]
    public async Task Without_a_classifier_or_without_a_model_in_Generation_the_ambiguous_request_is_clarify()
    {
        var name = await PublishAsync();
        await using var noModel = await GenerationHost.WithoutModelAsync(new Dictionary<string, string?>
        {
            ["ScriptPlatform:Sandbox:BaseUid"] = (GenerationBaseUid + 4).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var intentOverNoModel = await platform.StartIntentAsync(settings: new Dictionary<string, string?>
        {
            [$"services:{PlatformServices.Generation}:http:0"] = noModel.Address.ToString(),
        });

        // The shared replica has no Generation at all; the other's Generation answers FAILED_PRECONDITION.
        foreach (var host in new[] { platform.Intent, intentOverNoModel })
        {
            var answer = await SayAsync(host, Ambiguous(name));

            Assert.Equal(ActionKind.Clarify, answer.Action);
            Assert.False(answer.NeedsConfirmation);
            Assert.Equal(name, answer.Entities.Name);
        }

        Assert.Equal(0, await ExecutionsOfAsync(name));
    }

    [Fact]
    public async Task A_model_slower_than_the_classifier_timeout_gets_the_clarifying_question_in_time()
    {
        var name = await PublishAsync();
        await using var slow = await ScriptedModelServer.StartAsync();
        slow.Default = new ScriptedReply(JsonSerializer.Serialize(new { action = "run", confidence = 0.9, entities = new { name } }), Delay: TimeSpan.FromSeconds(30));
        await using var generation = await GenerationHost.WithModelAsync(slow, settings: new Dictionary<string, string?>
        {
            ["ScriptPlatform:Sandbox:BaseUid"] = (GenerationBaseUid + 8).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var intent = await platform.StartIntentAsync(settings: new Dictionary<string, string?>
        {
            [$"services:{PlatformServices.Generation}:http:0"] = generation.Address.ToString(),
            ["ScriptPlatform:Intent:ClassifierTimeout"] = "00:00:01",
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var answer = await SayAsync(intent, Ambiguous(name));

        Assert.Equal(ActionKind.Clarify, answer.Action);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.Single(slow.ChatRequests);
        Assert.Equal(0, await ExecutionsOfAsync(name));
    }
}
