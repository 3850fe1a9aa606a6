using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.VisualBasic.FileIO;

namespace ScriptPlatform.Intent.Actions;

/// <summary>
/// The params objects of a batch, one per row of an attached file: CSV with a header row (values that
/// read as JSON numbers or booleans become those, the rest strings) or JSON Lines (one object per
/// line). Constant params given in the request ("with unit=km") are added to every row.
/// </summary>
public static class BatchRows
{
    /// <summary>The rows as JSON object texts. FormatException says which line is wrong.</summary>
    public static IReadOnlyList<string> Parse(string fileName, string content, string? constantsJson)
    {
        var constants = constantsJson is null ? [] : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(constantsJson) ?? [];
        var jsonLines = fileName.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase)
            || content.TrimStart().StartsWith('{');
        var rows = jsonLines ? JsonLines(content) : Csv(content, fileName.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) ? "\t" : ",");
        return [.. rows.Select(row => Serialise(row, constants))];
    }

    private static IEnumerable<Dictionary<string, JsonElement>> JsonLines(string content)
    {
        var number = 0;
        foreach (var line in content.Split('\n'))
        {
            number++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            Dictionary<string, JsonElement>? row;
            try
            {
                row = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line);
            }
            catch (JsonException e)
            {
                throw new FormatException($"line {number} is not a JSON object ({e.Message})", e);
            }

            yield return row ?? throw new FormatException($"line {number} is not a JSON object");
        }
    }

    /// <summary>CSV through the runtime's own RFC 4180 reader (quoted fields, embedded delimiters and newlines).</summary>
    private static List<Dictionary<string, JsonElement>> Csv(string content, string delimiter)
    {
        using var parser = new TextFieldParser(new StringReader(content)) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = true };
        parser.SetDelimiters(delimiter);
        var rows = new List<Dictionary<string, JsonElement>>();
        try
        {
            var header = parser.ReadFields();
            if (header is not { Length: > 0 } || header.Any(string.IsNullOrWhiteSpace))
            {
                throw new FormatException("the first line must be a header naming each column (the params' keys)");
            }

            while (parser.ReadFields() is { } fields)
            {
                if (fields.Length != header.Length)
                {
                    throw new FormatException($"line {parser.LineNumber - 1} has {fields.Length} fields; the header has {header.Length}");
                }

                var row = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                for (var i = 0; i < header.Length; i++)
                {
                    row[header[i]] = Typed(fields[i]);
                }

                rows.Add(row);
            }
        }
        catch (MalformedLineException e)
        {
            throw new FormatException($"line {e.LineNumber} is not valid CSV (an unclosed quote?)", e);
        }

        return rows;
    }

    private static JsonElement Typed(string value)
    {
        if (value is "true" or "false" || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            try
            {
                return JsonDocument.Parse(value).RootElement.Clone();
            }
            catch (JsonException)
            {
                // " 1" and "1." read as numbers to .NET but not to JSON: keep them as text.
            }
        }

        return JsonSerializer.SerializeToElement(value);
    }

    private static string Serialise(Dictionary<string, JsonElement> row, Dictionary<string, JsonElement> constants)
    {
        foreach (var (key, value) in constants)
        {
            row.TryAdd(key, value);
        }

        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, row);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
