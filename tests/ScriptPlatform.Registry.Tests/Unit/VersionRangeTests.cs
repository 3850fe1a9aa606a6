using ScriptPlatform.Registry.Versioning;

namespace ScriptPlatform.Registry.Tests.Unit;

public class VersionRangeTests
{
    private static readonly SemVersion[] Published =
        new[] { "0.1.0", "0.1.5", "0.2.0", "1.0.0", "1.2.0", "1.2.7", "1.3.0-beta.1", "1.3.0", "1.9.9", "2.0.0-rc.1", "2.0.0", "2.1.0" }
        .Select(SemVersion.Parse).ToArray();

    [Theory]
    [InlineData("", "2.1.0")]
    [InlineData("latest", "2.1.0")]
    [InlineData("1.2.0", "1.2.0")]
    [InlineData("=1.2.0", "1.2.0")]
    [InlineData("^1.2", "1.9.9")]
    [InlineData("^1.2.7", "1.9.9")]
    [InlineData("^1", "1.9.9")]
    [InlineData("^0.1", "0.1.5")]
    [InlineData("^0.1.0", "0.1.5")]
    [InlineData("~1.2.3", "1.2.7")]
    [InlineData("~1.2", "1.2.7")]
    [InlineData("~1", "1.9.9")]
    [InlineData("1.x", "1.9.9")]
    [InlineData("1.2.x", "1.2.7")]
    [InlineData("1.2", "1.2.7")]
    [InlineData("*", "2.1.0")]
    [InlineData(">=1.0.0 <2.0.0", "1.9.9")]
    [InlineData(">1.2.0 <=1.3.0", "1.3.0")]
    [InlineData("<1.0.0", "0.2.0")]
    [InlineData("1.3.0-beta.1", "1.3.0-beta.1")]
    [InlineData(">=1.3.0-beta.1 <1.3.0", "1.3.0-beta.1")]
    [InlineData("2.0.0-rc.1", "2.0.0-rc.1")]
    public void Selector_resolves_to_the_highest_matching_version(string selector, string expected)
    {
        var range = VersionRange.Parse(selector);
        var best = range.IsLatest ? Published.Max() : range.BestMatch(Published);
        Assert.Equal(expected, best?.Text);
    }

    [Theory]
    [InlineData("^3")]
    [InlineData(">=5.0.0")]
    [InlineData("~0.3.0")]
    public void Selector_without_a_match_resolves_to_nothing(string selector) =>
        Assert.Null(VersionRange.Parse(selector).BestMatch(Published));

    [Fact]
    public void Ranges_do_not_pick_prereleases_unless_asked()
    {
        Assert.False(VersionRange.Parse("^1.2").IsSatisfiedBy(SemVersion.Parse("1.3.0-beta.1")));
        Assert.False(VersionRange.Parse("^1.9").IsSatisfiedBy(SemVersion.Parse("2.0.0-rc.1")));
    }

    [Theory]
    [InlineData("^")]
    [InlineData("^x.y")]
    [InlineData(">=1.0")]
    [InlineData("~01.2.3")]
    [InlineData("1.2.3.4")]
    [InlineData("abc")]
    [InlineData(">=1.0.0 <")]
    public void Malformed_selectors_are_rejected_with_guidance(string selector)
    {
        Assert.False(VersionRange.TryParse(selector, out _, out var error));
        Assert.Contains("version selector", error, StringComparison.Ordinal);
    }
}
