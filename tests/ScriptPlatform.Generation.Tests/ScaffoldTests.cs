using Grpc.Core;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Generation.Tests;

/// <summary>No model configured: a labelled scaffold, never presented as working code.</summary>
public sealed class ScaffoldTests : IAsyncLifetime
{
    private GenerationHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await GenerationHost.WithoutModelAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Generate_without_a_model_returns_a_valid_scaffold_whose_execute_returns_not_implemented()
    {
        const string description = "a math addition script that adds \"a\" and b\\n, even with \"\"\" in it";

        var response = await _host.Client.GenerateAsync(new GenerateRequest { Description = description }, deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.True(response.Scaffold);
        Assert.Equal(GenerationSource.Scaffold, response.Source);
        Assert.Equal("", response.Model);
        Assert.Empty(response.Usage.Calls);
        Assert.True(response.Validation.Ok, response.Validation.ToString());
        Assert.True(response.Validation.SmokeRun.Ran);
        Assert.Equal("not_implemented", response.Validation.SmokeRun.Status);
        Assert.Contains("SCAFFOLD, NOT IMPLEMENTED", response.Content, StringComparison.Ordinal);
        Assert.StartsWith("SCAFFOLD, not implemented:", response.Validation.Metadata.Description, StringComparison.Ordinal);
        Assert.Equal(("math", "addition", "math_addition"), (response.Category, response.Task, response.NameStem));
        Assert.Equal(RefineStatus.Unspecified, response.Refine);
    }

    [Fact]
    public async Task Update_without_a_model_is_failed_precondition()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.UpdateAsync(
            new UpdateRequest { Content = Replies.AdditionScript, Instruction = "print the sum" }, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("needs a drafting model", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summarise_without_a_model_extracts_the_declared_description()
    {
        var response = await _host.Client.SummariseAsync(new SummariseRequest { Content = Replies.AdditionScript }, deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal(GenerationSource.Extract, response.Source);
        Assert.Equal("Adds two numbers and returns their sum.", response.Summary);
    }

    [Fact]
    public async Task Embed_without_an_endpoint_uses_the_registrys_model_in_process()
    {
        var response = await _host.Client.EmbedAsync(
            new EmbedRequest { Texts = { "add two numbers", "sum of two values", "resize an image" } }, deadline: DateTime.UtcNow.AddSeconds(60));

        Assert.Equal(384, response.Dimensions);
        Assert.Contains("all-MiniLM-L6-v2", response.Model, StringComparison.OrdinalIgnoreCase);
        var v = response.Embeddings.Select(e => e.Values.ToArray()).ToArray();
        Assert.All(v, e => Assert.Equal(1.0, Math.Sqrt(e.Sum(x => (double)x * x)), 4));
        // A paraphrase is closer than an unrelated task: real sentence embeddings, not hashes.
        Assert.True(Cosine(v[0], v[1]) > Cosine(v[0], v[2]) + 0.2, $"{Cosine(v[0], v[1])} vs {Cosine(v[0], v[2])}");
    }

    private static double Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();
}
