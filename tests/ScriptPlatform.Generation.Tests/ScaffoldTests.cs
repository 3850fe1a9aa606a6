using Grpc.Core;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Generation.Tests.Infrastructure;

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
    public async Task Embed_without_an_embedder_is_failed_precondition_never_fake_vectors()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.EmbedAsync(
            new EmbedRequest { Texts = { "add two numbers" } }, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("no embedding model is configured", error.Status.Detail, StringComparison.Ordinal);
    }
}
