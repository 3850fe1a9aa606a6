using System.Diagnostics;
using System.Text.RegularExpressions;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Sandbox.Tests.Metadata;

public sealed partial class Pep723BlocksTests
{
    // Lines a block is made of, and lines that break or confuse one.
    private static readonly string[] Alphabet = ["# /// script", "# /// other", "# ///", "#", "# a = 1", "#x", "", "code()", "# /// ", "# ///  "];

    [Fact]
    public void Finds_the_same_blocks_as_the_reference_expression_of_pep_723()
    {
        var random = new Random(723);
        var blocks = 0;
        for (var sample = 0; sample < 20_000; sample++)
        {
            var source = string.Join('\n', Enumerable.Range(0, random.Next(1, 12)).Select(_ => Alphabet[random.Next(Alphabet.Length)]))
                + (random.Next(2) == 0 ? "\n" : "");
            var expected = Reference(source);

            Assert.Equal(expected, Pep723Blocks.Find(source).ToList());
            blocks += expected.Count;
        }

        Assert.True(blocks > 1_000, $"the samples hold only {blocks} blocks");
    }

    [Theory]
    [InlineData("# /// a\n")]
    [InlineData("# /// a\n# x\n")]
    [InlineData("# /// script\n# x\n")]
    public void A_source_of_256_KiB_made_to_backtrack_parses_in_well_under_a_second(string line)
    {
        // The reference expression took 75 s on 128 KiB of "# /// a" lines.
        var source = string.Concat(Enumerable.Repeat(line, 256 * 1024 / line.Length));
        var watch = Stopwatch.StartNew();

        _ = Pep723Blocks.Find(source).ToList();
        try
        {
            ScriptMetadataParser.Parse(source);
        }
        catch (ScriptMetadataException)
        {
            // Several "# /// script" openers are refused; the point is the time it takes.
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
    }

    private static List<(string Type, string Content)> Reference(string source) =>
        ReferenceExpression().Matches(source)
            .Select(m => (m.Groups["type"].Value, string.Join('\n', m.Groups["content"].Value.Split('\n')
                .Select(l => l.StartsWith("# ", StringComparison.Ordinal) ? l[2..] : l.TrimStart('#')))))
            .ToList();

    // PEP 723's own expression, kept here as the oracle (its '$' are line ends in multiline mode).
    [GeneratedRegex(@"(?m)^# /// (?<type>[a-zA-Z0-9-]+)$\s(?<content>(^#(| .*)$\s)+)^# ///$")]
    private static partial Regex ReferenceExpression();
}
