using Microsoft.Extensions.AI;
using ScriptPlatform.Contracts.Generation.V1;

namespace ScriptPlatform.Generation.Models;

/// <summary>The model calls of one rpc, with their tokens and cost, as they are returned to the caller.</summary>
public sealed class UsageLedger
{
    private readonly ModelUsage _usage = new();

    /// <param name="purpose">draft, repair, refine, summarise or embed.</param>
    /// <param name="pricing">The configured endpoint, for its name and prices per million tokens.</param>
    /// <param name="reportedModel">The model the endpoint says answered, when it says.</param>
    public void Record(string purpose, ModelEndpointOptions pricing, string? reportedModel, UsageDetails? usage, TimeSpan duration)
    {
        var model = pricing;
        long input = usage?.InputTokenCount ?? 0, output = usage?.OutputTokenCount ?? 0;
        var cost = (input * model.InputPricePerMillionTokens / 1_000_000) + (output * model.OutputPricePerMillionTokens / 1_000_000);
        _usage.Calls.Add(new ModelCall
        {
            Purpose = purpose,
            Model = string.IsNullOrEmpty(model.Model) ? reportedModel ?? "" : string.IsNullOrEmpty(reportedModel) || reportedModel == model.Model ? model.Model : $"{model.Model} ({reportedModel})",
            InputTokens = input,
            OutputTokens = output,
            CostUsd = cost,
            DurationMs = duration.TotalMilliseconds,
        });
        _usage.InputTokens += input;
        _usage.OutputTokens += output;
        _usage.CostUsd += cost;
    }

    public ModelUsage ToProto() => _usage.Clone();
}
