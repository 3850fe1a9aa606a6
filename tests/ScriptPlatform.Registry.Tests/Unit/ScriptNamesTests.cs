using ScriptPlatform.Registry.Domain;

namespace ScriptPlatform.Registry.Tests.Unit;

public class ScriptNamesTests
{
    [Theory]
    [InlineData("math_addition_001")]
    [InlineData("a")]
    [InlineData("x9_")]
    public void Valid_names_pass(string name) => Assert.Null(ScriptNames.Validate(name));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("../etc/passwd", "path separator")]
    [InlineData("a/b", "path separator")]
    [InlineData("a\\b", "path separator")]
    [InlineData("a..b", "path separator")]
    [InlineData("Math_add", "upper-case")]
    [InlineData("m\u0430th", "non-ASCII")]
    [InlineData("ｍath", "non-ASCII")]
    [InlineData("1abc", "must start with a letter")]
    [InlineData("_abc", "must start with a letter")]
    [InlineData("a-b", "must start with a letter")]
    [InlineData("a.py", "must start with a letter")]
    [InlineData("a b", "must start with a letter")]
    [InlineData("abc\n", "must start with a letter")]
    [InlineData("math_addition_001\n", "must start with a letter")]
    public void Invalid_names_are_rejected_with_the_reason(string name, string reason) =>
        Assert.Contains(reason, ScriptNames.Validate(name), StringComparison.Ordinal);

    [Fact]
    public void Names_longer_than_64_characters_are_rejected() =>
        Assert.Contains("at most 64", ScriptNames.Validate(new string('a', 65)), StringComparison.Ordinal);

    [Theory]
    [InlineData("math_addition_001", "math_addition", 1)]
    [InlineData("text_word_count_042", "text_word_count", 42)]
    [InlineData("a_b_1000", "a_b", 1000)]
    public void Generated_names_split_into_prefix_and_number(string name, string prefix, int number)
    {
        Assert.True(ScriptNames.TryParseGenerated(name, out var p, out var n));
        Assert.Equal((prefix, number), (p, n));
    }

    [Theory]
    [InlineData("math_addition")]
    [InlineData("math_addition_001\n")]
    public void Names_without_a_final_number_are_not_generated_names(string name) =>
        Assert.False(ScriptNames.TryParseGenerated(name, out _, out _));
}
