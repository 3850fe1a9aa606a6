using System.Text;
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
    private const int MaxIdLength = 128;

    private readonly IntentOptions _options = options.Value;

    /// <summary>Interprets an utterance: a card awaiting "yes", a read action's result, or an answer.</summary>
    public override Task<InterpretResponse> Interpret(InterpretRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Utterance))
        {
            throw Invalid("utterance is empty: say what you would like to do, for example \"run code math_addition_001.py\".");
        }

        var bytes = Encoding.UTF8.GetByteCount(request.Utterance);
        if (bytes > _options.MaxUtteranceBytes)
        {
            throw Invalid($"utterance is {bytes} bytes; at most {_options.MaxUtteranceBytes} bytes (8 KiB) are accepted. Send one short request; put data in an attachment.");
        }

        Id(request.SessionId, "session_id");
        Id(request.AgentId, "agent_id");
        return conversation.InterpretAsync(request, CallerIdentity.From(context, request.Caller));
    }

    /// <summary>Answers a pending confirmation by id; on yes the action runs and its outcome is returned.</summary>
    public override Task<ConfirmResponse> Confirm(ConfirmRequest request, ServerCallContext context) =>
        conversation.ConfirmAsync(request, CallerIdentity.From(context, request.Caller));

    /// <summary>The caller's session with its pending action.</summary>
    public override Task<GetSessionResponse> GetSession(GetSessionRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.SessionId))
        {
            throw Invalid("session_id is empty: give the id an Interpret response returned.");
        }

        Id(request.SessionId, "session_id");
        return conversation.GetSessionAsync(request, CallerIdentity.From(context, null));
    }

    /// <summary>The caller's pending confirmations, optionally of one session or agent.</summary>
    public override Task<ListPendingResponse> ListPending(ListPendingRequest request, ServerCallContext context)
    {
        Id(request.SessionId, "session_id");
        Id(request.AgentId, "agent_id");
        return conversation.ListPendingAsync(request, CallerIdentity.From(context, null));
    }

    private static void Id(string value, string field)
    {
        if (value.Length > MaxIdLength || value.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@')))
        {
            throw Invalid($"{field} must be at most {MaxIdLength} characters of letters, digits and - _ . : @.");
        }
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
