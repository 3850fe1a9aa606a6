using Grpc.Core;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Testing;

namespace ScriptPlatform.IntegrationTests.Platform;

/// <summary>
/// Seed 000's conversation through the whole app model: Intent parses and asks, Generation drafts
/// (with the scripted model) and validates in the sandbox, the Registry names, stores and links the
/// script, the Executor runs it.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ConversationTests(PlatformFixture platform)
{
    // What the drafting model answers: prose around a fenced script in the platform's format.
    private const string Drafted = """"
        Here is the script you asked for.

        ```python
        # /// script
        # requires-python = ">=3.11"
        # dependencies = []
        # [tool.scriptplatform]
        # category = "math"
        # description = "Multiplies two numbers and returns their product."
        # params = { a = { type = "number", required = true, description = "first factor" }, b = { type = "number", required = true, description = "second factor" } }
        # ///
        """Multiplies two numbers: params a and b; returns their product."""


        def execute(params: dict) -> dict:
            a = params.get("a", 0)
            b = params.get("b", 0)
            return {"status": "success", "data": {"product": a * b}, "metadata": {}}
        ```

        It multiplies a by b.
        """";

    [Fact]
    public async Task Generate_then_yes_publishes_a_validated_script_and_run_then_yes_executes_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new CallOptions(headers: platform.Admin, deadline: DateTime.UtcNow.AddMinutes(2), cancellationToken: ct);
        platform.Model.Default = ScriptedReply.Text(Drafted);
        const string agent = "platform-agent";

        var proposal = await platform.Intent.InterpretAsync(new InterpretRequest { Utterance = "generate code for a math multiplication script", AgentId = agent }, options);
        Assert.True(proposal.NeedsConfirmation, proposal.Message);
        Assert.Equal(ActionKind.Generate, proposal.Action);
        Assert.Contains("product", proposal.Card.Summary + proposal.Card.WhatWillHappen, StringComparison.OrdinalIgnoreCase);

        var generated = await platform.Intent.InterpretAsync(new InterpretRequest { Utterance = "Yes!", SessionId = proposal.SessionId, AgentId = agent }, options);
        Assert.True(generated.Message.Contains("Code generated successfully!", StringComparison.Ordinal), $"{generated.Message} {generated.Outcome}");
        var name = generated.Outcome.Name;
        Assert.Matches("^math_multiplication_[0-9]{3}$", name);
        Assert.Equal("1.0.0", generated.Outcome.Version);
        var tools = await platform.Registry.ListAgentToolsAsync(new ListAgentToolsRequest { AgentId = agent }, options);
        Assert.Contains(tools.Tools, t => t.ScriptName == name);

        var runCard = await platform.Intent.InterpretAsync(new InterpretRequest { Utterance = $"run code {name}.py with a=6 b=7", SessionId = proposal.SessionId, AgentId = agent }, options);
        Assert.True(runCard.NeedsConfirmation, runCard.Message);
        Assert.Equal("1.0.0", runCard.Card.TargetVersion);

        var ran = await platform.Intent.InterpretAsync(new InterpretRequest { Utterance = "y", SessionId = proposal.SessionId, AgentId = agent }, options);
        Assert.True(ran.Message.Contains("Code executed successfully!", StringComparison.Ordinal), $"{ran.Message} {ran.Outcome}");
        Assert.Contains("42", ran.Outcome.OutputJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anything_but_yes_cancels_and_nothing_is_created()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new CallOptions(headers: platform.Admin, deadline: DateTime.UtcNow.AddMinutes(2), cancellationToken: ct);
        platform.Model.Default = ScriptedReply.Text(Drafted);

        var proposal = await platform.Intent.InterpretAsync(new InterpretRequest { Utterance = "generate code for a geometry area script", AgentId = "cancelling-agent" }, options);
        Assert.True(proposal.NeedsConfirmation, proposal.Message);
        var answer = await platform.Intent.InterpretAsync(new InterpretRequest { Utterance = "no thanks", SessionId = proposal.SessionId, AgentId = "cancelling-agent" }, options);

        Assert.Equal(ActionKind.Cancel, answer.Action);
        var found = await platform.Registry.SearchAsync(new SearchRequest { Query = "geometry area", Category = "geometry" }, options);
        Assert.Empty(found.Hits);
        var tools = await platform.Registry.ListAgentToolsAsync(new ListAgentToolsRequest { AgentId = "cancelling-agent" }, options);
        Assert.Empty(tools.Tools);
    }
}
