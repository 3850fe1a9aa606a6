using System.Text.Json;

namespace ScriptPlatform.Contracts.Costs;

/// <summary>
/// How many cost units a run's params count for (ScriptMetadata's cost model: cost_usd = cost_per_unit
/// × units). Shared by the Executor (estimate and record) and Intent (the estimate on a run's card),
/// so both quote the same figure.
/// </summary>
public static class CostUnits
{
    /// <summary>
    /// <c>params[costUnit]</c> as a count: a list's length, an object's key count, a number's value, 1
    /// for any other scalar, 0 when the key is absent or null; 1 unit when no cost unit is declared.
    /// </summary>
    public static double Count(string? costUnit, string paramsJson)
    {
        if (string.IsNullOrEmpty(costUnit))
        {
            return 1;
        }

        try
        {
            using var document = JsonDocument.Parse(paramsJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty(costUnit, out var unit))
            {
                return 0;
            }

            return unit.ValueKind switch
            {
                JsonValueKind.Array => unit.GetArrayLength(),
                JsonValueKind.Object => unit.EnumerateObject().Count(),
                JsonValueKind.Number => Math.Max(0, unit.GetDouble()),
                JsonValueKind.Null or JsonValueKind.Undefined => 0,
                _ => 1,
            };
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    /// <summary>The estimate before a run: <paramref name="costPerUnit"/> × <see cref="Count"/> (0 when free).</summary>
    public static double Estimate(double costPerUnit, string? costUnit, string paramsJson) =>
        costPerUnit == 0 ? 0 : costPerUnit * Count(costUnit, paramsJson);
}
