using System.Diagnostics;
using ScriptPlatform.Generation.Drafting;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Generation.Tests;

/// <summary>The diff an Update shows stays cheap however long the content it replaces.</summary>
public sealed class RevisionsTests
{
    [Fact]
    public void A_long_content_revised_into_a_short_script_is_diffed_as_one_replacement_within_a_second()
    {
        // 50,000 lines, 150 KB: inside the 256 KiB content limit; Myers' diff took 8 s over it.
        var content = string.Concat(Enumerable.Range(0, 50_000).Select(i => $"x{i % 7}\n"));
        var watch = Stopwatch.StartNew();

        var diff = Revisions.UnifiedDiff(content, Replies.AdditionScript, "math_addition_001");

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed.TotalMilliseconds:0} ms");
        var newLines = Replies.AdditionScript.Split('\n').Length;
        Assert.StartsWith($"--- a/math_addition_001.py\n+++ b/math_addition_001.py\n@@ -1,50000 +1,{newLines} @@\n-x0\n-x1\n", diff, StringComparison.Ordinal);
        Assert.EndsWith("\n+" + Replies.AdditionScript.Split('\n')[^1] + "\n", diff, StringComparison.Ordinal);
    }

    [Fact]
    public void A_script_of_ordinary_length_still_gets_a_minimal_diff()
    {
        var revised = Replies.AdditionScript.Replace("first addend", "the first addend", StringComparison.Ordinal);

        var diff = Revisions.UnifiedDiff(Replies.AdditionScript, revised, null);

        Assert.Single(diff.Split('\n'), l => l.StartsWith('-') && !l.StartsWith("---", StringComparison.Ordinal));
        Assert.Contains("+# params = { a = { type = \"number\", required = true, description = \"the first addend\" }", diff, StringComparison.Ordinal);
    }
}
