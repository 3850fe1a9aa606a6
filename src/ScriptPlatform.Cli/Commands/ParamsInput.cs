using System.Text.Json;
using System.Text.Json.Nodes;
using ScriptPlatform.Cli.Infrastructure;

namespace ScriptPlatform.Cli.Commands;

/// <summary>Params from <c>--params JSON</c> and repeated <c>--param key=value</c> (a value that parses as JSON is taken as JSON, else as a string).</summary>
internal static class ParamsInput
{
    public static string Combine(string? json, IReadOnlyList<string>? pairs)
    {
        JsonObject result;
        try
        {
            result = string.IsNullOrWhiteSpace(json)
                ? []
                : JsonNode.Parse(json) as JsonObject ?? throw NotAnObject();
        }
        catch (JsonException ex)
        {
            throw CliError.UsageError("invalid_params", $"--params is not valid JSON: {ex.Message}", "Pass a JSON object, for example --params '{\"a\": 1, \"b\": 2}'.");
        }

        foreach (var pair in pairs ?? [])
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw CliError.UsageError("invalid_params", $"--param '{pair}' is not key=value.", "For example --param a=1 --param name=alice.");
            }

            result[pair[..equals]] = Value(pair[(equals + 1)..]);
        }

        return result.ToJsonString();
    }

    /// <summary>A CSV cell or a --param value: JSON when it parses as JSON, else the text itself.</summary>
    public static JsonNode? Value(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static CliError NotAnObject() =>
        CliError.UsageError("invalid_params", "--params must be a JSON object, for example '{\"a\": 1}'.");
}
