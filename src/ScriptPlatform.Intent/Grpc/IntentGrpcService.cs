using Grpc.Core;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Intent.Confirmation;
using ScriptPlatform.Intent.Domain;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Intent.Grpc;

/// <summary>
/// <c>scriptplatform.intent.v1.IntentService</c>: checks the request's shape, takes the caller's
/// identity from its metadata, and hands the turn to the <see cref="Conversation"/>.
/// </summary>
[BindServiceMethod(typeof(StrictServiceBinding<IntentService.IntentServiceBase>), "BindService")]
public sealed class IntentGrpcService(Conversation conversation, IOptions<IntentOptions> options) : IntentService.IntentServiceBase
{
    private readonly IntentOptions _options = options.Value;

    /// <summary>Interprets an utterance: a card awaiting "yes", a read action's result, or an answer.</summary>
    public override Task<InterpretResponse> Interpret(InterpretRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Utterance))
        {
            throw RequestRules.Invalid("utterance is empty: say what you would like to do, for example \"run code math_addition_001.py\".");
        }

        RequestRules.Spoken(request.Utterance, "utterance", _options.MaxUtteranceBytes, "Send one short request; put data in an attachment.");
        RequestRules.Id(request.SessionId, "session_id");
        RequestRules.Id(request.AgentId, "agent_id");
        RequestRules.Caller(request.Caller, "caller");
        RequestRules.Attachments(request.Attachments, _options.MaxAttachments);
        return conversation.InterpretAsync(request, CallerIdentity.From(context, request.Caller));
    }

    /// <summary>Answers a pending confirmation by id; on yes the action runs and its outcome is returned.</summary>
    public override Task<ConfirmResponse> Confirm(ConfirmRequest request, ServerCallContext context)
    {
        RequestRules.Defined(request.Answer, "answer");
        RequestRules.Spoken(request.Text, "text", _options.MaxUtteranceBytes, "Answer with \"yes\" or \"no\" (or set answer instead).");
        RequestRules.Caller(request.Caller, "caller");
        return conversation.ConfirmAsync(request, CallerIdentity.From(context, request.Caller));
    }

    /// <summary>The caller's session with its pending action.</summary>
    public override Task<GetSessionResponse> GetSession(GetSessionRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.SessionId))
        {
            throw RequestRules.Invalid("session_id is empty: give the id an Interpret response returned.");
        }

        RequestRules.Id(request.SessionId, "session_id");
        return conversation.GetSessionAsync(request, CallerIdentity.From(context, null));
    }

    /// <summary>The caller's pending confirmations, optionally of one session or agent.</summary>
    public override Task<ListPendingResponse> ListPending(ListPendingRequest request, ServerCallContext context)
    {
        RequestRules.Id(request.SessionId, "session_id");
        RequestRules.Id(request.AgentId, "agent_id");
        RequestRules.NoPageToken(request.Page?.PageToken ?? "", "page.page_token");
        return conversation.ListPendingAsync(request, CallerIdentity.From(context, null));
    }
}
