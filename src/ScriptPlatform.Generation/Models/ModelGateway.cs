using System.ClientModel;
using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.AI;

namespace ScriptPlatform.Generation.Models;

/// <summary>
/// Calls a chat model once (the SDK retries underneath), records tokens and cost in the rpc's
/// <see cref="UsageLedger"/>, and turns every way the endpoint can fail into a status a caller can act on.
/// </summary>
public sealed partial class ModelGateway(ILogger<ModelGateway> logger)
{
    public async Task<string> CompleteAsync(ChatModel model, string purpose, IReadOnlyList<ChatMessage> messages, UsageLedger ledger, CancellationToken ct)
    {
        var options = new ChatOptions { Temperature = model.Options.Temperature, MaxOutputTokens = model.Options.MaxOutputTokens };
        var clock = Stopwatch.StartNew();
        ChatResponse response;
        try
        {
            response = await model.Client.GetResponseAsync(messages, options, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(model.Role, model.Options, e, ct) is { } status)
        {
            LogModelFailed(logger, model.Role, purpose, status.StatusCode, e);
            throw new RpcException(status);
        }

        ledger.Record(purpose, model.Options, response.ModelId, response.Usage, clock.Elapsed);
        return response.Text ?? "";
    }

    /// <summary>Null for the caller's own cancellation, which the service defaults map.</summary>
    internal static Status? Translate(string role, ModelEndpointOptions model, Exception e, CancellationToken ct)
    {
        var what = $"the {role} model ({model.Model} at {model.Endpoint})";
        var attempts = Math.Max(0, model.MaxRetries) + 1;
        return e switch
        {
            OperationCanceledException when ct.IsCancellationRequested => null,
            // The SDK's retry policy gathers every failed attempt; the last one says how it ended.
            AggregateException { InnerExceptions.Count: > 0 } all => Translate(role, model, all.InnerExceptions[^1], ct),
            OperationCanceledException or TimeoutException => new Status(StatusCode.DeadlineExceeded,
                $"{what} did not answer within {model.TimeoutSeconds:0.#} s ({attempts} attempt(s)); try again, or raise its TimeoutSeconds"),
            ClientResultException { Status: 429 } => new Status(StatusCode.ResourceExhausted,
                $"{what} is rate limiting (HTTP 429) after {attempts} attempt(s); retry later"),
            ClientResultException { Status: 401 or 403 } r => new Status(StatusCode.FailedPrecondition,
                $"{what} refused the API key (HTTP {r.Status}); the operator must fix ScriptPlatform:Generation:{Capitalised(role)}:ApiKey"),
            ClientResultException { Status: 404 } => new Status(StatusCode.FailedPrecondition,
                $"{what} does not know this model or path (HTTP 404); the operator must fix the endpoint or model name"),
            ClientResultException { Status: >= 400 and < 500 } r => new Status(StatusCode.FailedPrecondition,
                $"{what} refused the request (HTTP {r.Status}): {Shorten(r.Message)}"),
            ClientResultException r => new Status(StatusCode.Unavailable,
                r.Status == 0 ? $"{what} cannot be reached ({Shorten(r.Message)}); retry later" : $"{what} failed with HTTP {r.Status} after {attempts} attempt(s); retry later"),
            HttpRequestException => new Status(StatusCode.Unavailable, $"{what} cannot be reached ({Shorten(e.Message)}); retry later"),
            JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException =>
                new Status(StatusCode.Unavailable, $"{what} answered something that is not an OpenAI chat completion ({e.GetType().Name}: {Shorten(e.Message)})"),
            // Whatever else the client throws is the endpoint's failure as far as the caller can tell.
            _ => new Status(StatusCode.Unavailable, $"{what} failed ({e.GetType().Name}: {Shorten(e.Message)}); retry later"),
        };
    }

    private static string Capitalised(string role) => char.ToUpperInvariant(role[0]) + role[1..];

    private static string Shorten(string text) => text.Length <= 300 ? text.ReplaceLineEndings(" ") : text[..300].ReplaceLineEndings(" ") + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Role} model failed on a {Purpose} call: {Code}")]
    private static partial void LogModelFailed(ILogger logger, string role, string purpose, StatusCode code, Exception exception);
}
