using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;

namespace ScriptPlatform.Generation.Models;

/// <summary>A configured chat model in one role ("drafting" or "refining"): its client and its settings.</summary>
public sealed record ChatModel(string Role, IChatClient Client, ModelEndpointOptions Options)
{
    /// <summary>The activity source of model calls (gen_ai spans with token counts), under the platform's "ScriptPlatform.*" sources.</summary>
    public const string TelemetrySource = "ScriptPlatform.Generation.Models";

    /// <summary>An <see cref="IChatClient"/> over the OpenAI SDK for any OpenAI-compatible endpoint, with the SDK's retries and timeout.</summary>
    public static ChatModel Create(string role, ModelEndpointOptions options)
    {
        var client = OpenAiClient(options).GetChatClient(options.Model).AsIChatClient()
            .AsBuilder()
            .UseOpenTelemetry(sourceName: TelemetrySource)
            .Build();
        return new ChatModel(role, client, options);
    }

    /// <summary>The SDK client for an endpoint: per-attempt timeout and <see cref="BackoffRetryPolicy"/>.</summary>
    public static OpenAIClient OpenAiClient(ModelEndpointOptions options) =>
        new(new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "unused" : options.ApiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(options.Endpoint),
            NetworkTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
            RetryPolicy = new BackoffRetryPolicy(Math.Max(0, options.MaxRetries), TimeSpan.FromSeconds(options.InitialBackoffSeconds)),
        });
}

/// <summary>The configured chat models; either may be absent.</summary>
public sealed record ChatModels(ChatModel? Drafting, ChatModel? Refining)
{
    public static ChatModels FromOptions(GenerationOptions options) => new(
        options.Drafting.IsConfigured ? ChatModel.Create("drafting", options.Drafting) : null,
        options.Refining.IsConfigured ? ChatModel.Create("refining", options.Refining) : null);
}
