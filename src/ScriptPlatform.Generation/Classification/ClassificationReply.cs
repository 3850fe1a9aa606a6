using System.Text.Json;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.ServiceDefaults.Text;

namespace ScriptPlatform.Generation.Classification;

/// <summary>What a model's classification reply held: a usable classification, or why it is not one.</summary>
public sealed record ClassificationResult(string? Action, ClassifiedEntities? Entities, double Confidence, string? Problem)
{
    public static ClassificationResult Refused(string problem) => new(null, null, 0, problem);
}

/// <summary>
/// Strict reading of the model's reply: one JSON object (a single ```json fence around it is tolerated, models add
/// them), an allowed action, a confidence between 0 and 1, and entities that are strings (params a JSON object).
/// Anything else is no classification, with the reason: the caller then asks the user instead of guessing.
/// </summary>
public static class ClassificationReply
{
    private static readonly string[] TextEntities = ["name", "version", "category", "task", "file", "query", "instruction"];

    public static ClassificationResult Parse(string reply, IReadOnlyCollection<string> allowedActions)
    {
        var text = Unfenced(reply.Trim());
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return ClassificationResult.Refused($"the model's reply is not JSON: {TextRules.Shown(Shorten(reply))}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ClassificationResult.Refused($"the model's reply is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }

            if (!root.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.String)
            {
                return ClassificationResult.Refused("the model's reply has no \"action\" string");
            }

            var actionName = action.GetString()!.Trim().ToLowerInvariant();
            if (!allowedActions.Contains(actionName))
            {
                return ClassificationResult.Refused($"the model answered action '{TextRules.Shown(Shorten(actionName))}', which is not one of the allowed actions");
            }

            if (!root.TryGetProperty("confidence", out var confidenceValue) || confidenceValue.ValueKind != JsonValueKind.Number
                || !confidenceValue.TryGetDouble(out var confidence) || confidence is < 0 or > 1 || double.IsNaN(confidence))
            {
                return ClassificationResult.Refused("the model's reply has no \"confidence\" number between 0 and 1");
            }

            var entities = new ClassifiedEntities { ParamsJson = "{}" };
            if (root.TryGetProperty("entities", out var given) && given.ValueKind != JsonValueKind.Null)
            {
                if (given.ValueKind != JsonValueKind.Object)
                {
                    return ClassificationResult.Refused("the model's \"entities\" is not an object");
                }

                var problem = ReadEntities(given, entities);
                if (problem is not null)
                {
                    return ClassificationResult.Refused(problem);
                }
            }

            return new ClassificationResult(actionName, entities, confidence, null);
        }
    }

    private static string? ReadEntities(JsonElement given, ClassifiedEntities entities)
    {
        foreach (var key in TextEntities)
        {
            if (!given.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            // Numbers are accepted where a model wrote a version as 1.2 or a task as a number: their text is meant.
            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!.Trim(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            };
            if (text is null)
            {
                return $"the model's entity \"{key}\" is a JSON {value.ValueKind.ToString().ToLowerInvariant()}, not a string";
            }

            switch (key)
            {
                case "name":
                    entities.Name = ScriptName(text);
                    break;
                case "version":
                    entities.Version = text;
                    break;
                case "category":
                    entities.Category = text.ToLowerInvariant();
                    break;
                case "task":
                    entities.Task = text.ToLowerInvariant();
                    break;
                case "file":
                    entities.File = text;
                    break;
                case "query":
                    entities.Query = text;
                    break;
                default:
                    entities.Instruction = text;
                    break;
            }
        }

        if (given.TryGetProperty("params", out var parameters) && parameters.ValueKind != JsonValueKind.Null)
        {
            if (parameters.ValueKind != JsonValueKind.Object)
            {
                return "the model's \"params\" is not a JSON object";
            }

            entities.ParamsJson = parameters.GetRawText();
        }

        return null;
    }

    /// <summary>Lower case, without ".py", as the Registry names scripts.</summary>
    private static string ScriptName(string text)
    {
        var name = text.ToLowerInvariant();
        return name.EndsWith(".py", StringComparison.Ordinal) ? name[..^3] : name;
    }

    private static string Unfenced(string text)
    {
        if (!text.StartsWith("```", StringComparison.Ordinal) || !text.EndsWith("```", StringComparison.Ordinal) || text.Length < 6)
        {
            return text;
        }

        var firstLine = text.IndexOf('\n', StringComparison.Ordinal);
        return firstLine < 0 ? text : text[(firstLine + 1)..^3].Trim();
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");
}
