using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.AI;

namespace ScriptPlatform.Embeddings.Tests;

/// <summary>Microsoft.Extensions.AI's OpenAI generator, as the platform configures it, against a local server speaking the /v1/embeddings protocol.</summary>
public sealed class OpenAiEmbeddingGeneratorTests : IAsyncLifetime
{
    private WebApplication? _server;
    private readonly List<JsonElement> _requests = [];

    public Uri Endpoint { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapPost("/v1/embeddings", async (HttpContext http) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
            lock (_requests)
            {
                _requests.Add(body);
            }

            if (http.Request.Headers.Authorization != "Bearer test-key")
            {
                http.Response.StatusCode = 401;
                await http.Response.WriteAsJsonAsync(new { error = new { message = "bad key", type = "invalid_request_error" } });
                return;
            }

            var inputs = body.GetProperty("input").EnumerateArray().Select(e => e.GetString()!).ToList();
            var base64 = body.TryGetProperty("encoding_format", out var f) && f.GetString() == "base64";
            var dims = body.TryGetProperty("dimensions", out var d) ? d.GetInt32() : 8;
            var data = inputs.Select((text, i) =>
            {
                // A fake but meaningful embedding: a bag of letters, so equal texts are equal vectors.
                var v = new float[dims];
                foreach (var c in text.ToLowerInvariant().Where(char.IsLetter))
                {
                    v[c % dims] += 1;
                }

                object embedding = base64 ? Convert.ToBase64String(v.SelectMany(BitConverter.GetBytes).ToArray()) : v;
                return new { @object = "embedding", index = i, embedding };
            }).Reverse().ToList();
            await http.Response.WriteAsJsonAsync(new { @object = "list", data, model = body.GetProperty("model").GetString(), usage = new { prompt_tokens = 1, total_tokens = 1 } });
        });
        await _server.StartAsync();
        Endpoint = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/v1");
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Embeddings_come_back_in_input_order_with_the_configured_model_and_dimensions()
    {
        using var generator = EmbeddingsExtensions.CreateOpenAiGenerator(new EmbeddingOptions { Endpoint = Endpoint.ToString(), ApiKey = "test-key", Model = "my-model", Dimensions = 16 });
        var vectors = (await generator.GenerateAsync(["aaa", "bbb", "aaa"], cancellationToken: TestContext.Current.CancellationToken)).Select(e => e.Vector.ToArray()).ToList();

        Assert.Equal(new EmbeddingModelInfo("openai:my-model:16", 16), await generator.DescribeAsync(TestContext.Current.CancellationToken));
        Assert.Equal(3, vectors.Count);
        Assert.Equal(vectors[0], vectors[2]);
        Assert.NotEqual(vectors[0], vectors[1]);
        Assert.All(vectors, v => Assert.Equal(16, v.Length));
        var last = _requests[^1];
        Assert.Equal("my-model", last.GetProperty("model").GetString());
        Assert.Equal(16, last.GetProperty("dimensions").GetInt32());
    }

    [Fact]
    public async Task Without_configured_dimensions_describing_the_generator_probes_the_endpoint_once()
    {
        using var generator = EmbeddingsExtensions.CreateOpenAiGenerator(new EmbeddingOptions { Endpoint = Endpoint.ToString(), ApiKey = "test-key", Model = "m" });
        var before = _requests.Count;
        Assert.Equal(8, (await generator.DescribeAsync(TestContext.Current.CancellationToken)).Dimensions);
        Assert.Equal(before + 1, _requests.Count);
    }

    [Fact]
    public async Task A_rejected_key_surfaces_as_an_error()
    {
        using var generator = EmbeddingsExtensions.CreateOpenAiGenerator(new EmbeddingOptions { Endpoint = Endpoint.ToString(), ApiKey = "wrong", Model = "m" });
        await Assert.ThrowsAnyAsync<Exception>(() => generator.GenerateAsync(["x"], cancellationToken: TestContext.Current.CancellationToken));
    }
}
