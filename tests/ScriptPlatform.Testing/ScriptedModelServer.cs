using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ScriptPlatform.Testing;

/// <summary>One scripted answer: a chat reply's text, or an HTTP status, or a raw body, after an optional delay.</summary>
public sealed record ScriptedReply(string? Content = null, int Status = 200, string? RawBody = null, TimeSpan Delay = default, string? RetryAfter = null)
{
    public static ScriptedReply Text(string content) => new(content);

    public static ScriptedReply Http(int status, string? retryAfter = null) => new(Status: status, RawBody: $$$"""{"error":{"message":"scripted {{{status}}}","type":"scripted"}}""", RetryAfter: retryAfter);
}

/// <summary>
/// A local HTTP server that speaks the OpenAI chat-completions and embeddings protocol (Kestrel, loopback), answering
/// chat requests from a script in order, so the service's real OpenAI SDK path runs. Records every request body.
/// </summary>
public sealed class ScriptedModelServer : IAsyncDisposable
{
    public const int PromptTokens = 120;
    public const int CompletionTokens = 80;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ScriptedReply> _replies = new();

    private ScriptedModelServer(WebApplication app) => _app = app;

    /// <summary>The base address to configure (<c>http://127.0.0.1:PORT/v1</c>).</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>Every chat request body, in order of arrival.</summary>
    public ConcurrentQueue<JsonNode> ChatRequests { get; } = new();

    public int EmbeddingCalls;

    /// <summary>Extra latency on every reply (the bench's stand-in for a model's thinking time).</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>When the script runs out: answer this forever (null: HTTP 500 saying the script ran out).</summary>
    public ScriptedReply? Default { get; set; }

    public static async Task<ScriptedModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new ScriptedModelServer(app);
        app.MapPost("/v1/chat/completions", server.ChatAsync);
        app.MapPost("/v1/embeddings", server.EmbedAsync);
        await app.StartAsync();
        server.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/v1";
        return server;
    }

    public ScriptedModelServer Enqueue(params ScriptedReply[] replies)
    {
        foreach (var reply in replies)
        {
            _replies.Enqueue(reply);
        }

        return this;
    }

    /// <summary>The text of every message of the n-th chat request (0-based).</summary>
    public IReadOnlyList<(string Role, string Content)> Messages(int request) =>
        [.. ChatRequests.ElementAt(request)["messages"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), m["content"] is JsonValue v ? v.GetValue<string>() : m["content"]!.ToJsonString()))];

    private async Task ChatAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        ChatRequests.Enqueue(body!);
        var reply = _replies.TryDequeue(out var next) ? next : Default ?? new ScriptedReply(Status: 500, RawBody: """{"error":{"message":"the scripted server has no reply left"}}""");
        try
        {
            await Task.Delay(reply.Delay + Latency, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        context.Response.StatusCode = reply.Status;
        if (reply.RetryAfter is not null)
        {
            context.Response.Headers.RetryAfter = reply.RetryAfter;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.RawBody ?? Completion(reply.Content ?? "", body!["model"]?.GetValue<string>() ?? "scripted"));
    }

    private async Task EmbedAsync(HttpContext context)
    {
        Interlocked.Increment(ref EmbeddingCalls);
        var body = await JsonNode.ParseAsync(context.Request.Body);
        var inputs = body!["input"] is JsonArray array ? array.Select(i => i!.GetValue<string>()).ToList() : [body["input"]!.GetValue<string>()];
        // Deterministic, unnormalised vectors from the text, so the tests can check order and normalisation.
        var data = inputs.Select((text, i) => new
        {
            @object = "embedding",
            index = i,
            embedding = new[] { text.Length, text.Count(c => "aeiou".Contains(c)), 1f, 0f },
        });
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            @object = "list",
            data,
            model = body["model"]?.GetValue<string>(),
            usage = new { prompt_tokens = inputs.Sum(t => t.Length), total_tokens = inputs.Sum(t => t.Length) },
        }));
    }

    private static string Completion(string content, string model) => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-scripted",
        @object = "chat.completion",
        created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        model,
        choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
        usage = new { prompt_tokens = PromptTokens, completion_tokens = CompletionTokens, total_tokens = PromptTokens + CompletionTokens },
    });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
