using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Generation.Tests;

/// <summary>Update (diff, version suggestion), Summarise and Embed against scripted endpoints.</summary>
public sealed class UpdateSummariseEmbedTests : IAsyncLifetime
{
    private ScriptedModelServer _model = null!;
    private GenerationHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _model = await ScriptedModelServer.StartAsync();
        _host = await GenerationHost.WithModelAsync(_model, embeddings: _model);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _model.DisposeAsync();
    }

    [Fact]
    public async Task Update_returns_the_validated_revision_a_unified_diff_and_a_minor_version()
    {
        var revised = Replies.AdditionScript.Replace("{\"sum\": params[\"a\"] + params[\"b\"]}", "{\"sum\": params[\"a\"] + params[\"b\"], \"text\": f\"Sum: {params['a'] + params['b']}\"}", StringComparison.Ordinal);
        _model.Enqueue(ScriptedReply.Text(Replies.Fenced(revised)));

        var response = await _host.Client.UpdateAsync(new UpdateRequest
        {
            Content = Replies.AdditionScript + "\n",
            Instruction = "also return the text 'Sum: 5'",
            Name = "math_addition_001",
            CurrentVersion = "1.2.3",
            ExampleParamsJson = Replies.Example,
        }, deadline: DateTime.UtcNow.AddSeconds(60));

        Assert.Equal(revised + "\n", response.Content);
        Assert.True(response.Validation.Ok);
        Assert.Contains("\"text\": \"Sum: 5\"", response.Validation.SmokeRun.DataJson, StringComparison.Ordinal);
        Assert.Contains("--- a/math_addition_001.py", response.Diff, StringComparison.Ordinal);
        Assert.Contains("+++ b/math_addition_001.py", response.Diff, StringComparison.Ordinal);
        Assert.Contains("@@ ", response.Diff, StringComparison.Ordinal);
        Assert.Contains("\n-    return {\"status\": \"success\", \"data\": {\"sum\": params[\"a\"] + params[\"b\"]}, \"metadata\": {}}", response.Diff, StringComparison.Ordinal);
        Assert.Contains("\n+    return {\"status\": \"success\", \"data\": {\"sum\"", response.Diff, StringComparison.Ordinal);
        Assert.Equal("1.3.0", response.SuggestedVersion);
        Assert.Equal("Also return the text 'Sum: 5'.", char.ToUpperInvariant(response.Changelog[0]) + response.Changelog[1..]);
        Assert.Contains("<script>\n" + Replies.AdditionScript, _model.Messages(0)[1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_that_changes_the_params_suggests_a_major_version()
    {
        var revised = Replies.AdditionScript.Replace("b = { type = \"number\", required = true, description = \"second addend\" }", "b = { type = \"number\", required = false, default = 0, description = \"second addend\" }", StringComparison.Ordinal)
            .Replace("params[\"b\"]", "params.get(\"b\", 0)", StringComparison.Ordinal);
        _model.Enqueue(ScriptedReply.Text(Replies.Fenced(revised)));

        var response = await _host.Client.UpdateAsync(new UpdateRequest
        {
            Content = Replies.AdditionScript, Instruction = "make b optional", CurrentVersion = "1.2.3", ExampleParamsJson = """{"a": 2}""",
        }, deadline: DateTime.UtcNow.AddSeconds(60));

        Assert.Equal("2.0.0", response.SuggestedVersion);
        Assert.Equal("""{"sum": 2}""", response.Validation.SmokeRun.DataJson);
    }

    [Fact]
    public async Task Summarise_asks_the_model_and_keeps_one_sentence()
    {
        _model.Enqueue(ScriptedReply.Text("\"Adds two numbers a and b and returns their sum. It is very useful.\""));

        var response = await _host.Client.SummariseAsync(new SummariseRequest { Content = Replies.AdditionScript, Name = "math_addition_001" }, deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal("Adds two numbers a and b and returns their sum.", response.Summary);
        Assert.Equal(GenerationSource.Model, response.Source);
        Assert.Equal("summarise", Assert.Single(response.Usage.Calls).Purpose);
    }

    [Fact]
    public async Task Embed_uses_the_configured_endpoint_and_returns_l2_normalised_vectors_in_order()
    {
        var response = await _host.Client.EmbedAsync(new EmbedRequest { Texts = { "add", "multiply numbers" } }, deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal("scripted-embedder", response.Model);
        Assert.Equal(4, response.Dimensions);
        Assert.Equal(2, response.Embeddings.Count);
        Assert.All(response.Embeddings, e => Assert.Equal(1.0, Math.Sqrt(e.Values.Sum(v => (double)v * v)), 5));
        // "add": [3, 1, 1, 0] / sqrt(11)
        Assert.Equal(3 / Math.Sqrt(11), response.Embeddings[0].Values[0], 5);
        Assert.Equal(1, _model.EmbeddingCalls);
        Assert.Equal("embed", Assert.Single(response.Usage.Calls).Purpose);
    }
}
