using Google.Protobuf.Reflection;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Grpc;

namespace ScriptPlatform.Contracts.Clients;

/// <summary>
/// Typed client of <c>scriptplatform.intent.v1.IntentService</c>: one method per rpc. Read-only rpcs are
/// marked idempotent, so the transport may retry them on UNAVAILABLE; writes are never retried.
/// Failures surface as the transport's RpcException carrying the status code and message.
/// </summary>
public sealed class IntentClient(GrpcChannel channel) : GrpcClientBase(channel, Descriptor)
{
    /// <summary>The <c>IntentService</c> descriptor, for binding a server implementation and for reflection.</summary>
    public static ServiceDescriptor Descriptor { get; } = IntentReflection.Descriptor.Services.Single(s => s.Name == "IntentService");

    /// <summary>Interprets an utterance: a proposal awaiting confirmation, a read action's result, or an answer.</summary>
    public Task<InterpretResponse> InterpretAsync(InterpretRequest request, CallOptions? options = null) =>
        UnaryAsync<InterpretRequest, InterpretResponse>("Interpret", request, options);

    /// <summary>Answers a pending confirmation; on yes the action runs and its outcome is returned.</summary>
    public Task<ConfirmResponse> ConfirmAsync(ConfirmRequest request, CallOptions? options = null) =>
        UnaryAsync<ConfirmRequest, ConfirmResponse>("Confirm", request, options);

    /// <summary>A session with its turns and pending confirmations.</summary>
    public Task<GetSessionResponse> GetSessionAsync(GetSessionRequest request, CallOptions? options = null) =>
        UnaryAsync<GetSessionRequest, GetSessionResponse>("GetSession", request, options, idempotent: true);

    /// <summary>Pending confirmations of a session or an agent.</summary>
    public Task<ListPendingResponse> ListPendingAsync(ListPendingRequest request, CallOptions? options = null) =>
        UnaryAsync<ListPendingRequest, ListPendingResponse>("ListPending", request, options, idempotent: true);
}
