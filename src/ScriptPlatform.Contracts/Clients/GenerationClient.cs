using Google.Protobuf.Reflection;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Grpc;

namespace ScriptPlatform.Contracts.Clients;

/// <summary>
/// Typed client of <c>scriptplatform.generation.v1.GenerationService</c>: one method per rpc. Read-only rpcs are
/// marked idempotent, so the transport may retry them on UNAVAILABLE; writes are never retried.
/// Failures surface as the transport's RpcException carrying the status code and message.
/// </summary>
public sealed class GenerationClient(GrpcChannel channel) : GrpcClientBase(channel, Descriptor)
{
    /// <summary>The <c>GenerationService</c> descriptor, for binding a server implementation and for reflection.</summary>
    public static ServiceDescriptor Descriptor { get; } = GenerationReflection.Descriptor.Services.Single(s => s.Name == "GenerationService");

    /// <summary>Drafts a new script from a plain-language description, validated and summarised.</summary>
    public Task<GenerateResponse> GenerateAsync(GenerateRequest request, CallOptions? options = null) =>
        UnaryAsync<GenerateRequest, GenerateResponse>("Generate", request, options);

    /// <summary>Revises existing content per an instruction; returns the new content and a unified diff.</summary>
    public Task<UpdateResponse> UpdateAsync(UpdateRequest request, CallOptions? options = null) =>
        UnaryAsync<UpdateRequest, UpdateResponse>("Update", request, options);

    /// <summary>Summarises a script in a few sentences (what gets embedded for recall).</summary>
    public Task<SummariseResponse> SummariseAsync(SummariseRequest request, CallOptions? options = null) =>
        UnaryAsync<SummariseRequest, SummariseResponse>("Summarise", request, options, idempotent: true);

    /// <summary>Embeds texts into vectors with the configured or built-in embedder.</summary>
    public Task<EmbedResponse> EmbedAsync(EmbedRequest request, CallOptions? options = null) =>
        UnaryAsync<EmbedRequest, EmbedResponse>("Embed", request, options, idempotent: true);
}
