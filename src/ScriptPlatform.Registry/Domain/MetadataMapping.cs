using Google.Protobuf;
using ScriptPlatform.Sandbox.Metadata;
using ScriptPlatform.ServiceDefaults.Text;
using ProtoMetadata = ScriptPlatform.Contracts.Common.V1.ScriptMetadata;
using ProtoParam = ScriptPlatform.Contracts.Common.V1.ParamSpec;

namespace ScriptPlatform.Registry.Domain;

/// <summary>Maps the shared parser's metadata to the wire type, and stores it as JSON.</summary>
public static class MetadataMapping
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>The longest summary derived from a script's docstring and parameters.</summary>
    public const int MaxSummaryLength = 2000;

    private const string InvalidMetadata = "the script's metadata (PEP 723 '# /// script' block or docstring) is invalid: ";

    /// <summary>Parses a script's metadata; INVALID_ARGUMENT naming the problem when the block is malformed.</summary>
    public static (ScriptMetadata Parsed, ProtoMetadata Proto) Parse(string content)
    {
        ScriptMetadata parsed;
        try
        {
            parsed = ScriptMetadataParser.Parse(content);
        }
        catch (ScriptMetadataException e)
        {
            throw RegistryErrors.InvalidArgument($"{InvalidMetadata}{e.Message}");
        }

        // What the parser produced is stored too (scripts row, version's jsonb): held to the same text rules as requests.
        var proto = ToProto(parsed);
        if (TextRules.FirstInvalid(proto, "metadata.") is { } problem)
        {
            throw RegistryErrors.InvalidArgument(InvalidMetadata + problem);
        }

        return (parsed, proto);
    }

    public static ProtoMetadata ToProto(ScriptMetadata m)
    {
        var proto = new ProtoMetadata
        {
            Description = m.Description ?? "",
            Category = m.Category ?? "",
            CostPerUnit = (double)(m.CostPerUnit ?? 0),
            CostUnit = m.CostUnit ?? "",
            Network = m.Network,
            TimeoutSeconds = m.TimeoutSeconds is { } t ? (int)Math.Ceiling(t) : 0,
            RequiresPython = m.RequiresPython ?? "",
        };
        proto.Dependencies.AddRange(m.Dependencies);
        foreach (var p in m.Parameters)
        {
            proto.Params.Add(new ProtoParam
            {
                Name = p.Name,
                Type = p.Type,
                Description = p.Description ?? "",
                Required = p.Required,
                DefaultJson = p.Default is { } d ? d.GetRawText() : "",
            });
        }

        return proto;
    }

    public static string ToJson(ProtoMetadata metadata) => Formatter.Format(metadata);

    public static ProtoMetadata FromJson(string json) => string.IsNullOrEmpty(json) ? new ProtoMetadata() : Parser.Parse<ProtoMetadata>(json);

    /// <summary>
    /// A summary when the publisher gave none: the docstring (what the author wrote about the
    /// script) plus its parameters, which is what the semantic index should know.
    /// </summary>
    public static string DeriveSummary(ScriptMetadata m)
    {
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(m.Docstring))
        {
            parts.Add(string.Join(' ', m.Docstring.Split((char[])['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        }
        else if (!string.IsNullOrWhiteSpace(m.Description))
        {
            parts.Add(m.Description.Trim());
        }

        if (m.Parameters.Count > 0)
        {
            parts.Add("Parameters: " + string.Join("; ", m.Parameters.Select(p => string.IsNullOrEmpty(p.Description) ? p.Name : $"{p.Name} ({p.Description})")) + ".");
        }

        var text = string.Join(' ', parts);
        if (text.Length <= MaxSummaryLength)
        {
            return text;
        }

        // Never cut between the two halves of a surrogate pair: half a pair cannot be stored.
        var cut = char.IsHighSurrogate(text[MaxSummaryLength - 1]) ? MaxSummaryLength - 1 : MaxSummaryLength;
        return text[..cut];
    }
}
