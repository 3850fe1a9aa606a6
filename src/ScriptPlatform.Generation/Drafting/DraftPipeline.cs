using Grpc.Core;
using Microsoft.Extensions.AI;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Generation.Models;
using ScriptPlatform.Generation.Validation;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Generation.Drafting;

/// <summary>A validated script and how it came about.</summary>
public sealed record Draft(string Code, DraftValidation Validation, string Model, RefineStatus Refine, string RefineNote, int Attempts);

/// <summary>
/// The drafting loop: ask the drafting model, extract the script, validate it; on failure send the model its
/// errors and ask again, at most <c>maxRepairs</c> times, then fail with the last error (never an endless loop).
/// A validated draft then goes to the refining model when one is configured and reachable; its version replaces
/// the draft only if it validates too and declares the same params.
/// </summary>
public sealed partial class DraftPipeline(ChatModels models, ModelGateway gateway, DraftValidator validator, ILogger<DraftPipeline> logger)
{
    public bool HasDraftingModel => models.Drafting is not null;

    /// <param name="conversation">The opening messages (from <see cref="Prompts"/>); repairs are appended to it.</param>
    public async Task<Draft> DraftAsync(List<ChatMessage> conversation, ValidationRequest validation, int maxRepairs, UsageLedger ledger, CancellationToken ct)
    {
        var drafting = models.Drafting ?? throw new InvalidOperationException("no drafting model is configured");
        var lastProblem = "";
        for (var attempt = 1; attempt <= maxRepairs + 1; attempt++)
        {
            var reply = await gateway.CompleteAsync(drafting, attempt == 1 ? "draft" : "repair", conversation, ledger, ct).ConfigureAwait(false);
            var extraction = CodeExtractor.Extract(reply);
            if (extraction.Code is { } code)
            {
                var checkedDraft = await validator.ValidateAsync(code, validation, ct).ConfigureAwait(false);
                if (checkedDraft.Ok)
                {
                    var (finalCode, finalValidation, refine, note) = await RefineAsync(code, checkedDraft, validation, ledger, ct).ConfigureAwait(false);
                    return new Draft(finalCode, finalValidation, drafting.Options.Model, refine, note, attempt);
                }

                lastProblem = checkedDraft.Problems;
            }
            else
            {
                lastProblem = extraction.Message!;
            }

            LogDraftRejected(logger, attempt, lastProblem);
            conversation.Add(new ChatMessage(ChatRole.Assistant, reply));
            conversation.Add(Prompts.Repair(lastProblem));
        }

        throw new RpcException(new Status(StatusCode.FailedPrecondition,
            $"the drafting model's script failed validation {maxRepairs + 1} time(s) ({maxRepairs} repair attempt(s)); nothing was returned or stored. "
            + $"Last problem: {DraftValidator.Shorten(lastProblem, 2000)}"));
    }

    private async Task<(string Code, DraftValidation Validation, RefineStatus Refine, string Note)> RefineAsync(
        string code, DraftValidation validated, ValidationRequest validation, UsageLedger ledger, CancellationToken ct)
    {
        if (models.Refining is not { } refining)
        {
            return (code, validated, RefineStatus.NotConfigured, "no refining model is configured");
        }

        string reply;
        try
        {
            reply = await gateway.CompleteAsync(refining, "refine", Prompts.Refine(code), ledger, ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.FailedPrecondition)
        {
            return (code, validated, RefineStatus.SkippedUnavailable, $"skipped, the validated draft is returned: {e.Status.Detail}");
        }

        var extraction = CodeExtractor.Extract(reply);
        if (extraction.Code is not { } refinedCode)
        {
            return (code, validated, RefineStatus.Rejected, $"the refining model's reply was unusable ({extraction.Message}); the validated draft is returned");
        }

        var refined = await validator.ValidateAsync(refinedCode, validation, ct).ConfigureAwait(false);
        if (!refined.Ok)
        {
            return (code, validated, RefineStatus.Rejected, $"the refined version failed validation ({DraftValidator.Shorten(refined.Problems, 500)}); the validated draft is returned");
        }

        return SameParams(validated.Metadata, refined.Metadata)
            ? (refinedCode, refined, RefineStatus.Applied, "the refining model improved the draft and its version passed validation")
            : (code, validated, RefineStatus.Rejected, "the refined version changed the declared params; the validated draft is returned");
    }

    internal static bool SameParams(ScriptMetadata? a, ScriptMetadata? b) =>
        (a?.Parameters ?? []).Select(p => (p.Name, p.Type, p.Required)).ToHashSet().SetEquals((b?.Parameters ?? []).Select(p => (p.Name, p.Type, p.Required)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Draft attempt {Attempt} rejected: {Problem}")]
    private static partial void LogDraftRejected(ILogger logger, int attempt, string problem);
}
