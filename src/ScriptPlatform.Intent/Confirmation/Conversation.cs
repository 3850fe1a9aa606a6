using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Intent.Actions;
using ScriptPlatform.Intent.Domain;
using ScriptPlatform.Intent.Infrastructure;
using ScriptPlatform.Intent.Parsing;
using ScriptPlatform.Persistence;

namespace ScriptPlatform.Intent.Confirmation;

/// <summary>
/// The seed's conversation, over Postgres so that any replica can take any turn: a write request
/// becomes a card and a pending action (one per session, expiring); a plain "yes" from the same
/// caller carries it out; anything else cancels it, and a new request while one is pending cancels
/// the old one and says so. Read requests are answered at once.
/// </summary>
public sealed class Conversation(
    PendingActionStore store, ActionPlanner planner, ActionRunner runner, ReadActions reads, TimeProvider time, IOptions<IntentOptions> options,
    IIntentClassifier? classifier = null)
{
    private readonly IntentOptions _options = options.Value;

    public async Task<InterpretResponse> InterpretAsync(InterpretRequest request, CallerIdentity caller)
    {
        var now = time.GetUtcNow();
        var sessionId = string.IsNullOrEmpty(request.SessionId) ? Guid.NewGuid().ToString("N") : request.SessionId;
        var session = await store.GetSessionAsync(sessionId, caller.CancellationToken);
        if (session is null)
        {
            await store.CreateSessionAsync(sessionId, request.AgentId, caller.Hash, caller.CancellationToken);
        }
        else if (session.CallerHash != caller.Hash)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"session {sessionId} belongs to another caller (another API key); its pending action is left as it was. Start your own session by leaving session_id empty."));
        }

        var parsed = await ParseAsync(request.Utterance, caller);
        var response = new InterpretResponse { SessionId = sessionId, Action = parsed.Action, Entities = parsed.Entities.ToProto() };
        var pending = session?.Pending;
        var prefix = "";

        if (pending is not null && pending.IsExpired(now))
        {
            await store.SettleAsync(pending.Id, PendingState.Pending, PendingState.Expired, now, caller.CancellationToken);
            if (parsed.Action is ActionKind.Confirm or ActionKind.Cancel || Affirmation.IsAnswer(request.Utterance))
            {
                return Answer(response, ActionKind.Cancel,
                    $"The pending {Describe(pending)} expired at {pending.ExpiresAt:HH:mm:ss} UTC, so nothing was done. Ask again to get a new card.");
            }

            pending = null;
        }

        if (pending is not null)
        {
            if (parsed.Action == ActionKind.Confirm)
            {
                var (outcome, _) = await CarryOutAsync(pending, caller);
                response.Outcome = outcome;
                response.Message = outcome.Message;
                response.Entities = EntitiesOf(pending.Plan);
                return response;
            }

            await store.SettleAsync(pending.Id, PendingState.Pending, PendingState.Declined, now, caller.CancellationToken);
            response.CancelledConfirmationId = pending.Id.ToString();
            if (Affirmation.IsYesWithMore(request.Utterance))
            {
                return Answer(response, ActionKind.Cancel,
                    $"Cancelled the pending {Describe(pending)}: I act only on a plain \"yes\", so nothing was done. Send one request at a time.");
            }

            if (parsed.Action == ActionKind.Cancel || Affirmation.IsAnswer(request.Utterance))
            {
                return Answer(response, ActionKind.Cancel, $"Cancelled the pending {Describe(pending)}. Nothing was done.");
            }

            prefix = $"Cancelled the pending {Describe(pending)}; nothing was done. ";
        }
        else if (parsed.Action == ActionKind.Confirm)
        {
            return Answer(response, ActionKind.Clarify, "There is nothing waiting for confirmation in this session, so nothing was done.");
        }
        else if (parsed.Action == ActionKind.Cancel)
        {
            return Answer(response, ActionKind.Cancel, "There is nothing pending to cancel.");
        }

        if (parsed.Action == ActionKind.Clarify)
        {
            return Answer(response, ActionKind.Clarify, prefix + parsed.Question);
        }

        if (!parsed.NeedsConfirmation)
        {
            var reply = await reads.AnswerAsync(parsed, request, caller);
            return Reply(response, reply, prefix);
        }

        var (proposal, refusal) = await planner.PlanAsync(parsed, request, caller);
        if (proposal is null)
        {
            return Reply(response, refusal!, prefix);
        }

        var id = Guid.NewGuid();
        var expires = now + _options.ConfirmationExpiry;
        var proposed = proposal.Template.Clone();
        proposed.ConfirmationId = id.ToString();
        proposed.Question = proposal.Card.Question;
        proposed.State = ConfirmationState.Pending;
        proposed.CreatedAt = Timestamp.FromDateTimeOffset(now);
        proposed.ExpiresAt = Timestamp.FromDateTimeOffset(expires);
        proposed.SessionId = sessionId;
        proposal.Card.ExpiresAt = proposed.ExpiresAt;
        try
        {
            await store.ProposeAsync(new PendingAction(id, sessionId, caller.Hash, request.AgentId, proposal.Action, PendingState.Pending, proposed,
                proposal.Plan with { AgentId = proposal.Plan.AgentId ?? request.AgentId }, now, expires), caller.CancellationToken);
        }
        catch (Exception e) when (e.IsUniqueViolation())
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"Another request on session {sessionId} made a card at the same moment; send this one again."));
        }

        response.Action = proposal.Action;
        response.Proposal = proposed;
        response.NeedsConfirmation = true;
        response.Card = proposal.Card;
        response.Message = prefix + proposal.Card.Question;
        return response;
    }

    /// <summary>The Confirm rpc: an explicit answer to one pending action by id.</summary>
    public async Task<ConfirmResponse> ConfirmAsync(ConfirmRequest request, CallerIdentity caller)
    {
        if (!Guid.TryParse(request.ConfirmationId, out var id))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "confirmation_id must be the id from a proposal (a UUID)."));
        }

        var pending = await store.GetAsync(id, caller.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"no confirmation {id}; it may belong to a database you are not talking to, or never existed."));
        if (pending.CallerHash != caller.Hash)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"confirmation {id} belongs to another caller (another API key); it stays pending."));
        }

        var now = time.GetUtcNow();
        if (pending.State != PendingState.Pending)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"confirmation {id} was already answered ({pending.State.ToString().ToLowerInvariant()})."));
        }

        if (pending.IsExpired(now))
        {
            await store.SettleAsync(id, PendingState.Pending, PendingState.Expired, now, caller.CancellationToken);
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"confirmation {id} expired at {pending.ExpiresAt:u}; nothing was done. Ask again."));
        }

        var yes = request.Answer == ConfirmAnswer.Yes || (request.Answer == ConfirmAnswer.Unspecified && Affirmation.IsYes(request.Text));
        var proposal = pending.Proposal.Clone();
        if (!yes)
        {
            await store.SettleAsync(id, PendingState.Pending, PendingState.Declined, now, caller.CancellationToken);
            proposal.State = ConfirmationState.Declined;
            return new ConfirmResponse { Confirmation = proposal, Message = "Cancelled. Nothing was done." };
        }

        var (outcome, state) = await CarryOutAsync(pending, caller);
        proposal.State = state;
        return new ConfirmResponse { Confirmation = proposal, Outcome = outcome, Message = outcome.Message };
    }

    /// <summary>The caller's pending actions.</summary>
    public async Task<ListPendingResponse> ListPendingAsync(ListPendingRequest request, CallerIdentity caller)
    {
        var limit = request.Page?.PageSize is > 0 and <= 100 ? request.Page.PageSize : 100;
        var found = await store.ListPendingAsync(caller.Hash, NullIfEmpty(request.SessionId), NullIfEmpty(request.AgentId), limit, caller.CancellationToken);
        var response = new ListPendingResponse();
        response.Pending.AddRange(found.Where(p => !p.IsExpired(time.GetUtcNow())).Select(p => p.Proposal));
        return response;
    }

    /// <summary>A session and its pending action (the caller's own sessions only).</summary>
    public async Task<GetSessionResponse> GetSessionAsync(GetSessionRequest request, CallerIdentity caller)
    {
        var session = await store.GetSessionAsync(request.SessionId, caller.CancellationToken);
        if (session is null || session.CallerHash != caller.Hash)
        {
            // Another caller's session is reported as absent: its existence is not theirs to learn.
            throw new RpcException(new Status(StatusCode.NotFound, $"no session {request.SessionId} of yours."));
        }

        // Turns are not recorded yet (only sessions and their actions are): the session carries its pending action.
        var result = new Session { Id = session.Id, AgentId = session.AgentId, Caller = caller.Label };
        if (session.Pending is { } pending && !pending.IsExpired(time.GetUtcNow()))
        {
            result.Pending.Add(pending.Proposal);
        }

        return new GetSessionResponse { Session = result };
    }

    /// <summary>
    /// The parser first; the model only for what the parser could not place (never to second-guess what it recognised,
    /// nor for "yes, and also …" or two requests in one message, which stay refused).
    /// </summary>
    private async Task<ParsedIntent> ParseAsync(string utterance, CallerIdentity caller)
    {
        var parsed = IntentParser.Parse(utterance);
        if (parsed.Action == ActionKind.Clarify && classifier is not null && parsed.Question != IntentParser.OneRequestAtATime
            && !Affirmation.IsAnswer(utterance) && !Affirmation.IsYesWithMore(utterance))
        {
            return await classifier.ClassifyAsync(utterance, parsed, caller) ?? parsed;
        }

        return parsed;
    }

    /// <summary>Claims the pending action (exactly one answer wins, on any replica), carries it out and records how it ended.</summary>
    private async Task<(ActionOutcome Outcome, ConfirmationState State)> CarryOutAsync(PendingAction pending, CallerIdentity caller)
    {
        var now = time.GetUtcNow();
        if (!await store.TryClaimAsync(pending.Id, caller.Hash, now, caller.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"the pending {Describe(pending)} was answered or expired a moment ago; nothing more was done."));
        }

        ActionOutcome outcome;
        try
        {
            outcome = await runner.RunAsync(pending.Plan, pending.Id, caller);
        }
        catch
        {
            // Cancelled or deadline passed mid-way: what happened downstream is unknown, so the card is not
            // reopened (a second yes could act twice); it is recorded as failed.
            await store.SettleAsync(pending.Id, PendingState.Executing, PendingState.Failed, time.GetUtcNow(), CancellationToken.None);
            throw;
        }

        var state = outcome.Ok ? PendingState.Completed : PendingState.Failed;
        await store.SettleAsync(pending.Id, PendingState.Executing, state, time.GetUtcNow(), CancellationToken.None);
        return (outcome, outcome.Ok ? ConfirmationState.Completed : ConfirmationState.Failed);
    }

    private static InterpretResponse Answer(InterpretResponse response, ActionKind action, string message)
    {
        response.Action = action;
        response.Message = message;
        response.Answer = message;
        return response;
    }

    private static InterpretResponse Reply(InterpretResponse response, Reply reply, string prefix)
    {
        response.Action = reply.Action;
        response.Message = prefix + reply.Message;
        if (reply.Outcome is not null)
        {
            response.Outcome = reply.Outcome;
        }
        else
        {
            response.Answer = response.Message;
        }

        response.Suggestions.AddRange(reply.Suggestions ?? []);
        return response;
    }

    private static Entities EntitiesOf(ActionPlan plan) => new IntentEntities(
        Name: plan.Name, Version: plan.Version, Category: plan.Category, ParamsJson: plan.ParamsJson, File: plan.File, Query: plan.Description,
        Instruction: plan.Changelog).ToProto();

    private static string Describe(PendingAction pending)
    {
        var text = new StringBuilder(pending.Kind switch
        {
            ActionKind.Generate => "generation",
            ActionKind.Run => "run",
            ActionKind.Update => "update",
            ActionKind.Delete => "deletion",
            ActionKind.Publish => "publish",
            ActionKind.Batch => "batch",
            _ => "action",
        });
        return text.Append(" of ").Append(pending.Plan.Name).ToString();
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;
}
