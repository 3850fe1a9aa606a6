using Google.Protobuf.Reflection;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Grpc;

namespace ScriptPlatform.Contracts.Clients;

/// <summary>
/// Typed client of <c>scriptplatform.registry.v1.RegistryService</c>: one method per rpc. Read-only rpcs are
/// marked idempotent, so the transport may retry them on UNAVAILABLE; writes are never retried.
/// Failures surface as the transport's RpcException carrying the status code and message.
/// </summary>
public sealed class RegistryClient(GrpcChannel channel) : GrpcClientBase(channel, Descriptor)
{
    /// <summary>The <c>RegistryService</c> descriptor, for binding a server implementation and for reflection.</summary>
    public static ServiceDescriptor Descriptor { get; } = RegistryReflection.Descriptor.Services.Single(s => s.Name == "RegistryService");

    /// <summary>Finds scripts by words (full text) and by meaning (embeddings), fused by reciprocal rank.</summary>
    public Task<SearchResponse> SearchAsync(SearchRequest request, CallOptions? options = null) =>
        UnaryAsync<SearchRequest, SearchResponse>("Search", request, options, idempotent: true);

    /// <summary>Returns one version's content, hash and metadata: latest, exact, or the best match of a range.</summary>
    public Task<LoadResponse> LoadAsync(LoadRequest request, CallOptions? options = null) =>
        UnaryAsync<LoadRequest, LoadResponse>("Load", request, options, idempotent: true);

    /// <summary>Publishes a new version; identical content under an existing version is an idempotent replay.</summary>
    public Task<PublishResponse> PublishAsync(PublishRequest request, CallOptions? options = null) =>
        UnaryAsync<PublishRequest, PublishResponse>("Publish", request, options);

    /// <summary>Lists a script's versions, newest first.</summary>
    public Task<ListVersionsResponse> ListVersionsAsync(ListVersionsRequest request, CallOptions? options = null) =>
        UnaryAsync<ListVersionsRequest, ListVersionsResponse>("ListVersions", request, options, idempotent: true);

    /// <summary>Deprecates a script, deletes one version, or deletes the whole script (owner or admin).</summary>
    public Task<RemoveResponse> RemoveAsync(RemoveRequest request, CallOptions? options = null) =>
        UnaryAsync<RemoveRequest, RemoveResponse>("Remove", request, options);

    /// <summary>Usage guidance for one script (params, example call) or for the platform's tools in general.</summary>
    public Task<HelpResponse> HelpAsync(HelpRequest request, CallOptions? options = null) =>
        UnaryAsync<HelpRequest, HelpResponse>("Help", request, options, idempotent: true);

    /// <summary>Allocates the next generated name `category_task_NNN` (numbers are never reused).</summary>
    public Task<NextNameResponse> NextNameAsync(NextNameRequest request, CallOptions? options = null) =>
        UnaryAsync<NextNameRequest, NextNameResponse>("NextName", request, options);

    /// <summary>Records a 1–5 rating with an optional comment.</summary>
    public Task<FeedbackResponse> FeedbackAsync(FeedbackRequest request, CallOptions? options = null) =>
        UnaryAsync<FeedbackRequest, FeedbackResponse>("Feedback", request, options);

    /// <summary>Usage statistics of one script, or registry-wide totals.</summary>
    public Task<GetStatsResponse> GetStatsAsync(GetStatsRequest request, CallOptions? options = null) =>
        UnaryAsync<GetStatsRequest, GetStatsResponse>("GetStats", request, options, idempotent: true);

    /// <summary>Links a script as a tool of an agent (idempotent).</summary>
    public Task<LinkAgentToolResponse> LinkAgentToolAsync(LinkAgentToolRequest request, CallOptions? options = null) =>
        UnaryAsync<LinkAgentToolRequest, LinkAgentToolResponse>("LinkAgentTool", request, options);

    /// <summary>Removes a script from an agent's tools.</summary>
    public Task<UnlinkAgentToolResponse> UnlinkAgentToolAsync(UnlinkAgentToolRequest request, CallOptions? options = null) =>
        UnaryAsync<UnlinkAgentToolRequest, UnlinkAgentToolResponse>("UnlinkAgentTool", request, options);

    /// <summary>Lists the tools linked to an agent.</summary>
    public Task<ListAgentToolsResponse> ListAgentToolsAsync(ListAgentToolsRequest request, CallOptions? options = null) =>
        UnaryAsync<ListAgentToolsRequest, ListAgentToolsResponse>("ListAgentTools", request, options, idempotent: true);

    /// <summary>Creates an API key (admin); the secret is returned once and only its hash is stored.</summary>
    public Task<CreateApiKeyResponse> CreateApiKeyAsync(CreateApiKeyRequest request, CallOptions? options = null) =>
        UnaryAsync<CreateApiKeyRequest, CreateApiKeyResponse>("CreateApiKey", request, options);

    /// <summary>Revokes an API key (admin); later calls with it get UNAUTHENTICATED.</summary>
    public Task<RevokeApiKeyResponse> RevokeApiKeyAsync(RevokeApiKeyRequest request, CallOptions? options = null) =>
        UnaryAsync<RevokeApiKeyRequest, RevokeApiKeyResponse>("RevokeApiKey", request, options);

    /// <summary>Lists API keys without their secrets (admin).</summary>
    public Task<ListApiKeysResponse> ListApiKeysAsync(ListApiKeysRequest request, CallOptions? options = null) =>
        UnaryAsync<ListApiKeysRequest, ListApiKeysResponse>("ListApiKeys", request, options, idempotent: true);

    /// <summary>One script's summary, stats, latest version and the agents that use it.</summary>
    public Task<GetScriptResponse> GetScriptAsync(GetScriptRequest request, CallOptions? options = null) =>
        UnaryAsync<GetScriptRequest, GetScriptResponse>("GetScript", request, options, idempotent: true);
}
