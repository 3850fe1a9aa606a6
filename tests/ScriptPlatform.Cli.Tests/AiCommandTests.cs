using System.Text.Json;
using Grpc.Net.Client;
using ScriptPlatform.Cli.Tests.Infrastructure;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Cli.Tests;

/// <summary>sp generate and sp ask end to end: Generation in front of the scripted model, Intent over the real Registry and Executor.</summary>
[Collection(PlatformCollection.Name)]
public sealed class AiCommandTests(PlatformFixture platform)
{
    private Sp Client()
    {
        var sp = new Sp(platform.RegistryAddress, platform.ExecutorAddress, platform.GenerationAddress, platform.IntentAddress);
        sp.Variables["SCRIPTPLATFORM_API_KEY"] = platform.AdminKey;
        return sp;
    }

    [Fact]
    public async Task Generate_prints_the_validated_draft_its_summary_and_name_stem_as_json()
    {
        platform.Model.Enqueue(ScriptedReply.Text("Here it is:\n\n" + Replies.Fenced(Replies.AdditionScript)));
        using var sp = Client();

        var result = await sp.RunAsync("generate", "a script that adds two numbers", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json;
        Assert.Equal(Replies.AdditionScript, json.GetProperty("content").GetString()!.TrimEnd('\n'));
        Assert.Equal("math", json.GetProperty("category").GetString());
        Assert.Equal($"math_{json.GetProperty("task").GetString()}", json.GetProperty("name_stem").GetString());
        Assert.Contains("Adds two numbers", json.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal("model", json.GetProperty("source").GetString());
        Assert.True(json.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Generate_with_a_model_answering_garbage_fails_with_exit_1_and_says_why()
    {
        var asked = platform.Model.ChatRequests.Count;
        for (var i = 0; i <= PlatformFixture.MaxRepairs; i++)
        {
            platform.Model.Enqueue(ScriptedReply.Text("lorem ipsum dolor sit amet, consectetur adipiscing elit"));
        }

        using var sp = Client();

        var result = await sp.RunAsync("generate", "a script that adds two numbers", "--json");

        Assert.True(result.ExitCode == 1, result.ToString());
        var error = JsonDocument.Parse(result.Out.Length > 0 ? result.Out : result.Error).RootElement;
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains($"failed validation {1 + PlatformFixture.MaxRepairs} time(s)", message, StringComparison.Ordinal);
        Assert.Contains("the reply holds no Python code", message, StringComparison.Ordinal);
        Assert.Equal(asked + 1 + PlatformFixture.MaxRepairs, platform.Model.ChatRequests.Count);
    }

    [Fact]
    public async Task Ask_proposes_a_run_with_a_card_and_a_yes_in_the_same_session_runs_it()
    {
        var name = "math_add_" + Guid.NewGuid().ToString("N")[..8];
        using var sp = Client();
        Sp.Write(sp.ProjectScript("math", name), Scripts.Add);
        var published = await sp.RunAsync("publish", name, "--version", "1.0.0", "--json");
        Assert.True(published.ExitCode == 0, published.ToString());

        var proposal = await sp.RunAsync("ask", $"run code {name}.py with a=20 b=22", "--json");

        Assert.True(proposal.ExitCode == 0, proposal.ToString());
        var card = proposal.Json;
        Assert.Equal("run", card.GetProperty("action").GetString());
        Assert.True(card.GetProperty("needs_confirmation").GetBoolean());
        Assert.Equal(name, card.GetProperty("entities").GetProperty("name").GetString());
        Assert.Equal(20, card.GetProperty("entities").GetProperty("params").GetProperty("a").GetInt32());
        Assert.Equal(name, card.GetProperty("card").GetProperty("target_name").GetString());
        Assert.Equal("1.0.0", card.GetProperty("card").GetProperty("target_version").GetString());
        Assert.Equal($"Do you want to execute {name}.py?", card.GetProperty("message").GetString());
        using var channel = GrpcChannel.ForAddress(platform.ExecutorAddress);
        var executor = new ExecutorService.ExecutorServiceClient(channel);
        Assert.Empty((await executor.ListExecutionsAsync(new ListExecutionsRequest { ScriptName = name })).Executions);

        var done = await sp.RunAsync("ask", "yes", "--session", card.GetProperty("session_id").GetString()!, "--json");

        Assert.True(done.ExitCode == 0, done.ToString());
        Assert.Equal("confirm", done.Json.GetProperty("action").GetString());
        Assert.False(done.Json.GetProperty("needs_confirmation").GetBoolean());
        Assert.True(done.Json.GetProperty("ok").GetBoolean());
        Assert.Equal("Code executed successfully!", done.Json.GetProperty("message").GetString());
        var execution = Assert.Single((await executor.ListExecutionsAsync(new ListExecutionsRequest { ScriptName = name })).Executions);
        Assert.Equal(Contracts.Common.V1.ExecutionStatus.Success, execution.Status);
        Assert.Contains("42", execution.DataJson, StringComparison.Ordinal);
    }
}
