using ScriptPlatform.Registry.Versioning;

namespace ScriptPlatform.Registry.Tests.Unit;

public class SemVersionTests
{
    [Theory]
    [InlineData("0.0.0")]
    [InlineData("1.2.3")]
    [InlineData("10.20.30")]
    [InlineData("1.0.0-alpha")]
    [InlineData("1.0.0-alpha.1")]
    [InlineData("1.0.0-0.3.7")]
    [InlineData("1.0.0-x.7.z.92")]
    [InlineData("1.0.0+20130313144700")]
    [InlineData("1.0.0-beta+exp.sha.5114f85")]
    [InlineData("1.0.0+21AF26D3----117B344092BD")]
    public void Strict_semver_versions_parse(string text)
    {
        Assert.True(SemVersion.TryParse(text, out var version, out var error), error);
        Assert.Equal(text, version.Text);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("1", "MAJOR.MINOR.PATCH")]
    [InlineData("1.2", "MAJOR.MINOR.PATCH")]
    [InlineData("1.2.3.4", "MAJOR.MINOR.PATCH")]
    [InlineData("v1.2.3", "not a non-negative integer")]
    [InlineData("01.2.3", "leading zero")]
    [InlineData("1.02.3", "leading zero")]
    [InlineData("1.2.3-01", "leading zero")]
    [InlineData("1.2.3-", "empty")]
    [InlineData("1.2.3-a..b", "empty")]
    [InlineData("1.2.3+", "empty")]
    [InlineData("1.2.3-é", "ASCII")]
    [InlineData(" 1.2.3", "not a non-negative integer")]
    [InlineData("1.2.-3", "not a non-negative integer")]
    [InlineData("99999999999999999999.0.0", "too large")]
    public void Non_strict_versions_are_rejected_with_the_reason(string text, string reason)
    {
        Assert.False(SemVersion.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Precedence_follows_the_semver_specification_example()
    {
        string[] ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"];
        for (var i = 0; i + 1 < ordered.Length; i++)
        {
            Assert.True(SemVersion.Parse(ordered[i]) < SemVersion.Parse(ordered[i + 1]), $"{ordered[i]} < {ordered[i + 1]}");
        }

        var shuffled = ordered.Reverse().Select(SemVersion.Parse).Order().Select(v => v.Text);
        Assert.Equal(ordered, shuffled);
    }

    [Fact]
    public void Build_metadata_does_not_affect_precedence()
    {
        Assert.Equal(SemVersion.Parse("1.0.0+a"), SemVersion.Parse("1.0.0+b"));
        Assert.Equal(0, SemVersion.Parse("1.0.0+a").CompareTo(SemVersion.Parse("1.0.0")));
    }
}
