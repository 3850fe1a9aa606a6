using Grpc.Core;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Generation.Tests;

/// <summary>Bad requests over a real channel: a clear status each, and the model is never asked.</summary>
public sealed class BadInputTests : IAsyncLifetime
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

    public static TheoryData<string, string> BadGenerateRequests => new()
    {
        { """{"description": ""}""", "description is empty" },
        { """{"description": "   \n "}""", "description is empty" },
        { $$"""{"description": "{{new string('x', 4097)}}"}""", "description is 4,097 bytes; at most 4,096 are allowed" },
        { $$"""{"description": "{{string.Concat(Enumerable.Repeat("é", 2049))}}"}""", "description is 4,098 bytes" },
        { """{"description": "add", "exampleParamsJson": "[1, 2]"}""", "example_params_json must be a JSON object" },
        { """{"description": "add", "exampleParamsJson": "{\"a\": "}""", "example_params_json is not valid JSON" },
        { """{"description": "add", "category": "Math"}""", "category 'Math' must be lower-case ASCII" },
        { """{"description": "add", "task": "../etc"}""", "task '../etc' must be lower-case ASCII" },
        { """{"description": "add", "maxRepairs": 6}""", "max_repairs is 6; at most 5" },
        { """{"description": "add", "maxRepairs": -1}""", "max_repairs must not be negative" },
        { """{"description": "add\u0000it"}""", "description contains a NUL character" },
    };

    [Theory]
    [MemberData(nameof(BadGenerateRequests))]
    public async Task Generate_refuses_bad_input_with_invalid_argument(string requestJson, string expected)
    {
        var request = Google.Protobuf.JsonParser.Default.Parse<GenerateRequest>(requestJson);

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.GenerateAsync(request, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_model.ChatRequests);
    }

    [Fact]
    public async Task Update_refuses_empty_content_an_empty_instruction_content_over_256_KiB_and_a_current_version_that_is_not_one()
    {
        foreach (var (request, expected) in new[]
        {
            (new UpdateRequest { Content = "", Instruction = "x" }, "content is empty"),
            (new UpdateRequest { Content = Replies.AdditionScript, Instruction = " " }, "instruction is empty"),
            (new UpdateRequest { Content = new string('#', (256 * 1024) + 1), Instruction = "x" }, "content is 262,145 bytes"),
            (new UpdateRequest { Content = Replies.AdditionScript, Instruction = "x", CurrentVersion = "1.0.0\n" }, "current_version '1.0.0?' is not a version: give the script's current version as X.Y.Z"),
        })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.UpdateAsync(request, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Empty(_model.ChatRequests);
    }

    [Fact]
    public async Task Embed_refuses_no_texts_too_many_texts_an_empty_text_and_a_model_it_does_not_serve()
    {
        var cases = new[]
        {
            (new EmbedRequest(), StatusCode.InvalidArgument, "texts is empty"),
            (new EmbedRequest { Texts = { Enumerable.Repeat("x", 257) } }, StatusCode.ResourceExhausted, "257 texts in one call; at most 256"),
            (new EmbedRequest { Texts = { "fine", "" } }, StatusCode.InvalidArgument, "texts[1] is empty; every text needs something to embed"),
            (new EmbedRequest { Texts = { "fine" }, Model = "other-model" }, StatusCode.InvalidArgument, "embeds with 'scripted-embedder'"),
        };
        foreach (var (request, code, expected) in cases)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.EmbedAsync(request, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);
            Assert.Equal(code, error.StatusCode);
            Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(0, _model.EmbeddingCalls);
    }

    [Fact]
    public async Task Summarise_refuses_a_max_words_out_of_range()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.SummariseAsync(
            new SummariseRequest { Content = Replies.AdditionScript, MaxWords = 201 }, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("max_words must be between 1 and 200", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_with_invalid_utf8_is_invalid_argument()
    {
        // Field 1 (description), length 2, bytes C3 28: not UTF-8. Sent raw, as a client in another language could.
        var method = new Method<byte[], byte[]>(MethodType.Unary, GenerationService.Descriptor.FullName, "Generate",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var call = _host.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), [0x0A, 0x02, 0xC3, 0x28]);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("not valid UTF-8", error.Status.Detail, StringComparison.Ordinal);
    }
}
