using System.Text.Json.Nodes;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Intent.Parsing;

namespace ScriptPlatform.Intent.Tests.Parsing;

/// <summary>
/// The phrasing corpus (Corpus/phrasings.tsv: the seed's literal triggers, natural wording, word
/// order, politeness, case, typos, bad and ambiguous requests) against the deterministic parser.
/// </summary>
public sealed class CorpusTests(ITestOutputHelper output)
{
    private const double RequiredAccuracy = 0.97;

    public sealed record Case(int Line, string Utterance, ActionKind Action, Dictionary<string, string> Expected);

    [Fact]
    public void Corpus_has_at_least_150_phrasings_covering_every_action()
    {
        var cases = Load();
        Assert.True(cases.Count >= 150, $"the corpus has {cases.Count} phrasings; at least 150 are required");
        var missing = new[]
        {
            ActionKind.Generate, ActionKind.Run, ActionKind.Update, ActionKind.Delete, ActionKind.Search, ActionKind.Load, ActionKind.Publish,
            ActionKind.Help, ActionKind.Versions, ActionKind.Tools, ActionKind.Batch, ActionKind.Clarify, ActionKind.Confirm, ActionKind.Cancel,
        }.Except(cases.Select(c => c.Action)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Parser_reads_the_corpus_with_at_least_97_percent_accuracy()
    {
        var cases = Load();
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var parsed = IntentParser.Parse(c.Utterance);
            var problems = Compare(c, parsed);
            if (problems.Count > 0)
            {
                failures.Add($"line {c.Line}: \"{c.Utterance}\" → {parsed.Action} {parsed.Entities}: {string.Join("; ", problems)}");
            }
        }

        var accuracy = (double)(cases.Count - failures.Count) / cases.Count;
        output.WriteLine($"intent corpus accuracy: {accuracy:P1} ({cases.Count - failures.Count}/{cases.Count})");
        foreach (var failure in failures)
        {
            output.WriteLine(failure);
        }

        Assert.True(accuracy >= RequiredAccuracy,
            $"accuracy {accuracy:P1} is under {RequiredAccuracy:P0}; misread:\n{string.Join("\n", failures)}");
    }

    [Fact]
    public void The_comparison_flags_a_wrong_action_a_wrong_entity_and_an_unexpected_one()
    {
        var parsed = IntentParser.Parse("run code math_addition_001.py with a=1");
        Assert.Empty(Compare(new Case(0, "", ActionKind.Run, new() { ["name"] = "math_addition_001", ["params"] = """{"a":1}""" }), parsed));
        Assert.NotEmpty(Compare(new Case(0, "", ActionKind.Delete, new() { ["name"] = "math_addition_001", ["params"] = """{"a":1}""" }), parsed));
        Assert.NotEmpty(Compare(new Case(0, "", ActionKind.Run, new() { ["name"] = "math_addition_002", ["params"] = """{"a":1}""" }), parsed));
        Assert.NotEmpty(Compare(new Case(0, "", ActionKind.Run, new() { ["name"] = "math_addition_001" }), parsed));
    }

    private static List<string> Compare(Case c, ParsedIntent parsed)
    {
        var problems = new List<string>();
        if (parsed.Action != c.Action)
        {
            problems.Add($"action {parsed.Action}, expected {c.Action}");
        }

        var e = parsed.Entities;
        var actual = new Dictionary<string, string?>
        {
            ["name"] = e.Name, ["version"] = e.Version, ["category"] = e.Category, ["task"] = e.Task, ["params"] = e.ParamsJson, ["file"] = e.File,
            ["query"] = e.Query, ["instruction"] = e.Instruction,
        };
        foreach (var key in new[] { "name", "version", "category", "task", "params", "file" })
        {
            c.Expected.TryGetValue(key, out var expected);
            if (!Same(key, expected, actual[key]))
            {
                problems.Add($"{key} '{actual[key]}', expected '{expected}'");
            }
        }

        foreach (var key in new[] { "query", "instruction" })
        {
            if (c.Expected.TryGetValue(key, out var expected) && expected != actual[key])
            {
                problems.Add($"{key} '{actual[key]}', expected '{expected}'");
            }
        }

        return problems;
    }

    private static bool Same(string key, string? expected, string? actual)
    {
        if (string.IsNullOrEmpty(expected) || string.IsNullOrEmpty(actual))
        {
            return string.IsNullOrEmpty(expected) && string.IsNullOrEmpty(actual);
        }

        return key == "params" ? JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)) : expected == actual;
    }

    public static List<Case> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Corpus", "phrasings.tsv");
        var cases = new List<Case>();
        var number = 0;
        foreach (var line in File.ReadAllLines(path))
        {
            number++;
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var columns = line.Split('\t');
            var expected = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var column in columns.Skip(2))
            {
                foreach (var pair in column.Split(" ; ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    expected[pair[..eq]] = pair[(eq + 1)..];
                }
            }

            var action = Enum.Parse<ActionKind>(columns[1], ignoreCase: true);
            cases.Add(new Case(number, columns[0], action, expected));
        }

        return cases;
    }
}
