using System.Text;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Registry.Grpc;

/// <summary>The Help rpc's texts: general guidance per topic, and usage of one script from its metadata.</summary>
public static class HelpText
{
    private static readonly Dictionary<string, string> Topics = new(StringComparer.OrdinalIgnoreCase)
    {
        ["search"] = "**search** finds scripts by words and by meaning: `sp search \"resize photos\"`. Full text understands websearch syntax (\"quoted phrase\", -exclude, or). Filters: --category, --tag, --deprecated.",
        ["load"] = "**load** fetches a version's content and metadata: `sp load NAME [--version ^1.2]`. Selectors: latest (default), 1.2.3, ^1.2, ~1.2.3, '>=1.0.0 <2.0.0'. A lockfile pin is verified by content hash.",
        ["run"] = "**run** executes a script from the project tier (.ai/scripts/{category}/{name}.py), then the user tier (~/.scriptplatform/scripts/...). A registry-only script is not downloaded implicitly: `sp load NAME` first.",
        ["publish"] = "**publish** stores a new version: `sp publish NAME --version 1.0.1 --changelog \"...\"`. Versions are strict semver and must increase; identical content under the same version is a no-op; needs a key with publish scope.",
        ["lockfile"] = "**lockfile** `.ai/scripts.lock.json` pins each script to a version and SHA-256; load and run honour and verify it.",
        ["keys"] = "**keys** API keys carry scopes read, publish, admin; send `authorization: Bearer <secret>`. The first admin key comes from `dotnet ScriptPlatform.Registry.dll create-admin-key --owner NAME`.",
    };

    public static HelpResponse General(string? topic)
    {
        if (!string.IsNullOrEmpty(topic) && Topics.TryGetValue(topic, out var one))
        {
            return new HelpResponse { Text = one };
        }

        var text = new StringBuilder("# ScriptPlatform registry\n\nScripts resolve project → user → registry. Tools:\n\n");
        foreach (var t in Topics.Values)
        {
            text.Append("- ").Append(t).Append('\n');
        }

        if (!string.IsNullOrEmpty(topic))
        {
            text.Append("\n(No help topic '").Append(topic).Append("'; topics: ").Append(string.Join(", ", Topics.Keys)).Append(".)\n");
        }

        var response = new HelpResponse { Text = text.ToString() };
        response.Examples.Add("sp search \"add two numbers\"");
        response.Examples.Add("sp load math_addition_001");
        return response;
    }

    public static HelpResponse ForScript(LoadResponse loaded)
    {
        var m = loaded.Metadata;
        var name = loaded.Script.Name;
        var text = new StringBuilder($"# {name} {loaded.Version.Version}\n\n{loaded.Script.Description}\n\n");
        if (!string.IsNullOrEmpty(loaded.Script.Summary))
        {
            text.Append(loaded.Script.Summary).Append("\n\n");
        }

        text.Append("## Parameters\n\n");
        if (m.Params.Count == 0)
        {
            text.Append("None declared.\n");
        }

        var example = new StringBuilder("{");
        foreach (var p in m.Params)
        {
            text.Append($"- `{p.Name}` ({p.Type}{(p.Required ? ", required" : "")}){(string.IsNullOrEmpty(p.Description) ? "" : ": " + p.Description)}{(string.IsNullOrEmpty(p.DefaultJson) ? "" : $" (default {p.DefaultJson})")}\n");
            if (example.Length > 1)
            {
                example.Append(", ");
            }

            example.Append(System.Text.Json.JsonSerializer.Serialize(p.Name)).Append(": ").Append(string.IsNullOrEmpty(p.DefaultJson) ? ExampleValue(p.Type) : p.DefaultJson);
        }

        example.Append('}');
        if (m.Dependencies.Count > 0)
        {
            text.Append("\nDependencies: ").Append(string.Join(", ", m.Dependencies)).Append('\n');
        }

        if (m.CostPerUnit > 0)
        {
            text.Append($"\nCost: {m.CostPerUnit} USD per item of `{m.CostUnit}`.\n");
        }

        if (m.Network)
        {
            text.Append("\nNeeds network access.\n");
        }

        var response = new HelpResponse { Text = text.ToString(), Metadata = m, ExampleParamsJson = example.ToString() };
        response.Examples.Add($"sp load {name}");
        response.Examples.Add($"sp run {name} --params '{example}'");
        return response;
    }

    private static string ExampleValue(string type) => type switch
    {
        "integer" or "int" => "1",
        "number" or "float" => "1.5",
        "boolean" or "bool" => "true",
        "array" or "list" => "[]",
        "object" or "dict" => "{}",
        _ => "\"...\"",
    };
}
