using System.Text.Json;
using ScriptPlatform.Contracts.Costs;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Runs;

/// <summary>
/// The cost of a run: the script's declared <c>cost_per_unit</c> × the count of <c>params[cost_unit]</c>
/// (a list's length, an object's key count, a number's value, 1 for any other scalar, 0 when the key is
/// absent or null; 1 unit when no <c>cost_unit</c> is declared: <see cref="CostUnits"/>), unless the script reports its own
/// cost as <c>metadata.cost</c> in its result.
/// </summary>
public static class CostModel
{
    /// <summary>The estimate made before a run, from the declaration and the params alone.</summary>
    public static double Estimate(ScriptMetadata? metadata, string paramsJson)
    {
        if (metadata?.CostPerUnit is not { } perUnit || perUnit == 0)
        {
            return 0;
        }

        return (double)perUnit * Units(metadata.CostUnit, paramsJson);
    }

    /// <summary>The recorded cost: what the script reported, else the estimate.</summary>
    public static double Actual(ScriptMetadata? metadata, string paramsJson, JsonElement? resultMetadata)
    {
        if (resultMetadata is { ValueKind: JsonValueKind.Object } reported
            && reported.TryGetProperty("cost", out var cost) && cost.ValueKind == JsonValueKind.Number && cost.TryGetDouble(out var value) && value >= 0
            // A reported 10**400 parses as infinity, which no log, sum or message can carry.
            && double.IsFinite(value))
        {
            return value;
        }

        return Estimate(metadata, paramsJson);
    }

    /// <summary>How many units <c>params[costUnit]</c> counts for (the rule Intent's cards quote too).</summary>
    public static double Units(string? costUnit, string paramsJson) => CostUnits.Count(costUnit, paramsJson);
}
