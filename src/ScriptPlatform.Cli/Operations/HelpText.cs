namespace ScriptPlatform.Cli.Operations;

/// <summary>sp's own guidance on the tools and the three tiers (seed 004's <c>help</c> tool, with no script named).</summary>
public static class HelpText
{
    public static IReadOnlyList<string> Examples { get; } =
    [
        "sp search \"add numbers\"",
        "sp load math_addition_001",
        "sp run math_addition_001 --param a=2 --param b=3",
        "sp publish .ai/scripts/math/my_sum.py --version 1.0.0 --changelog \"Initial release\"",
        "sp lock",
    ];

    private static readonly Dictionary<string, string> Topics = new(StringComparer.OrdinalIgnoreCase)
    {
        ["tiers"] = "Scripts resolve project -> user -> registry. Project tier: .ai/scripts/{category}/{name}.py under the nearest folder holding .ai/. User tier: ~/.scriptplatform/scripts/{category}/{name}.py. Registry: the shared service.",
        ["search"] = "search covers all three tiers and marks each hit's source (project, user, registry): sp search \"google maps\" [--category C] [--local].",
        ["load"] = "load downloads a registry version into the user tier (or --to project), pins it in the lockfile and verifies its sha256: sp load NAME [--version X.Y.Z].",
        ["run"] = "run uses the first local tier that has the script and never downloads; a registry-only script fails with script_not_found_locally and the advice to load it: sp run NAME --param k=v | --params JSON [--timeout S].",
        ["publish"] = "publish sends a file or a tier's script to the registry as a new semver version: sp publish PATH|NAME --version X.Y.Z [--changelog TEXT] [--source project|user].",
        ["lockfile"] = "The lockfile (.ai/scripts.lock.json in a project, ~/.scriptplatform/scripts.lock.json outside) pins {name: version} with a sha256 per script; load and run honour pins, warn about newer versions and refuse content whose hash differs. sp lock writes it.",
    };

    public static string General(string? topic)
    {
        if (topic is not null)
        {
            return Topics.TryGetValue(topic, out var text)
                ? text
                : $"No help topic '{topic}'. Topics: {string.Join(", ", Topics.Keys)}.";
        }

        return "sp finds, loads, runs and publishes ScriptPlatform scripts.\n\n" + string.Join("\n", Topics.Values.Select(t => "- " + t));
    }
}
