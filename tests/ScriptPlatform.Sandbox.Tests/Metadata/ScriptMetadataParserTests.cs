using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Sandbox.Tests.Metadata;

public sealed class ScriptMetadataParserTests
{
    private const string FullScript = """
        #!/usr/bin/env python3
        # -*- coding: utf-8 -*-
        '''Adds two numbers.

            Longer explanation, indented.
        '''
        # /// script
        # requires-python = ">=3.11"
        # dependencies = [
        #   "requests>=2.31",   # HTTP
        #   "PyYAML",
        # ]
        #
        # [tool.scriptplatform]
        # category = "math"
        # description = "Adds a and b"
        # timeout = 12.5
        # network = true
        # cost_per_unit = 0.002
        # cost_unit = "row"
        #
        # [tool.scriptplatform.params]
        # a = { type = "number", required = true, description = "first addend" }
        # b = { type = "number", default = 0 }
        # label = "string"
        # ///

        def execute(params):
            return {"status": "success", "data": params["a"] + params.get("b", 0)}
        """;

    [Fact]
    public void A_full_pep_723_block_and_docstring_are_parsed()
    {
        var metadata = ScriptMetadataParser.Parse(FullScript);

        Assert.Equal("Adds a and b", metadata.Description);
        Assert.Equal("Adds two numbers.\n\nLonger explanation, indented.", metadata.Docstring);
        Assert.Equal("math", metadata.Category);
        Assert.Equal(">=3.11", metadata.RequiresPython);
        Assert.Equal(["requests>=2.31", "PyYAML"], metadata.Dependencies);
        Assert.Equal(12.5, metadata.TimeoutSeconds);
        Assert.True(metadata.Network);
        Assert.Equal(0.002m, metadata.CostPerUnit);
        Assert.Equal("row", metadata.CostUnit);
        Assert.Collection(metadata.Parameters,
            a => Assert.Equal(("a", "number", true, "first addend"), (a.Name, a.Type, a.Required, a.Description)),
            b => Assert.Equal(("b", "number", false, 0), (b.Name, b.Type, b.Required, b.Default!.Value.GetInt32())),
            label => Assert.Equal(("label", "string", true), (label.Name, label.Type, label.Required)));
    }

    [Fact]
    public void Without_a_block_the_docstring_first_line_is_the_description()
    {
        var metadata = ScriptMetadataParser.Parse("\"\"\"Greets people.\n\nMore.\"\"\"\ndef execute(p):\n    return 1\n");

        Assert.Equal("Greets people.", metadata.Description);
        Assert.Empty(metadata.Dependencies);
        Assert.False(metadata.Network);
        Assert.Null(metadata.TimeoutSeconds);
    }

    [Fact]
    public void A_script_without_docstring_or_block_has_empty_metadata()
    {
        var metadata = ScriptMetadataParser.Parse("x = 'not a docstring'\ndef execute(p):\n    return 1\n");

        Assert.Null(metadata.Docstring);
        Assert.Null(metadata.Description);
    }

    [Theory]
    [InlineData("# [tool.scriptplatform]\n# colour = \"red\"", "unknown key 'colour'")]
    [InlineData("# [tool.scriptplatform]\n# timeout = \"soon\"", "'timeout' must be a number")]
    [InlineData("# [tool.scriptplatform]\n# timeout = 0", "timeout must be a positive number")]
    [InlineData("# [tool.scriptplatform]\n# network = \"yes\"", "'network' must be true or false")]
    [InlineData("# dependencies = \"requests\"", "'dependencies' must be an array of strings")]
    [InlineData("# dependencies = [\"requests\"", "line 2")]
    [InlineData("# name = \"unterminated", "unterminated string")]
    [InlineData("# when = 2024-01-01", "is not a number")]
    [InlineData("# [[tool.x]]", "arrays of tables")]
    [InlineData("# a = 1\n# a = 2", "defined twice")]
    [InlineData("# version = \"1\"", "unknown top-level key 'version'")]
    [InlineData("# [tool.scriptplatform.params]\n# a = { type = \"decimal\" }", "type 'decimal' is not one of")]
    public void Malformed_metadata_is_rejected_with_a_clear_message(string body, string message)
    {
        var source = $"# /// script\n{body}\n# ///\ndef execute(p):\n    return 1\n";

        var error = Assert.Throws<ScriptMetadataException>(() => ScriptMetadataParser.Parse(source));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cost_per_unit = 1e400", "[tool.scriptplatform]: 'cost_per_unit' is out of range (it overflows to infinity)")]
    [InlineData("cost_per_unit = -1e400", "[tool.scriptplatform]: 'cost_per_unit' is out of range (it overflows to infinity)")]
    [InlineData("cost_per_unit = 1e30", "cost_per_unit must be at most 1000000 (USD per unit), not 1E+30")]
    [InlineData("cost_per_unit = 79228162514264337593543950336", "cost_per_unit must be at most 1000000")]
    [InlineData("timeout = 1e400", "[tool.scriptplatform]: 'timeout' is out of range (it overflows to infinity)")]
    [InlineData("timeout = 99999999999999999999", "timeout must be a positive number of seconds up to 86400 (a day), not 1E+20")]
    [InlineData("timeout = 86401", "timeout must be a positive number of seconds up to 86400")]
    [InlineData("timeout = -1", "timeout must be a positive number of seconds")]
    [InlineData("timeout = +nan", "is not a number")]
    [InlineData("cost_per_unit = -inf", "is not a number")]
    [InlineData("[tool.scriptplatform.params]\n# a = { type = \"number\", default = 1e400 }", "[tool.scriptplatform.params] a: default is out of range")]
    [InlineData("[tool.scriptplatform.params]\n# a = { type = \"array\", default = [1, [2, { x = -1e999 }]] }", "[tool.scriptplatform.params] a: default is out of range")]
    public void A_number_out_of_range_is_rejected_naming_the_key(string line, string message)
    {
        var source = $"# /// script\n# [tool.scriptplatform]\n# {line}\n# ///\ndef execute(p):\n    return 1\n";

        var error = Assert.Throws<ScriptMetadataException>(() => ScriptMetadataParser.Parse(source));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_at_the_edges_of_their_ranges_are_accepted()
    {
        const string source = "# /// script\n# [tool.scriptplatform]\n# timeout = 86400\n# cost_per_unit = 1000000\n"
            + "# [tool.scriptplatform.params]\n# a = { type = \"number\", default = 1.7e308 }\n# ///\n";

        var metadata = ScriptMetadataParser.Parse(source);

        Assert.Equal((86400.0, 1_000_000m), (metadata.TimeoutSeconds, metadata.CostPerUnit));
        Assert.Equal(1.7e308, metadata.Parameters[0].Default!.Value.GetDouble());
    }

    [Theory]
    [InlineData("description = \"a\\u0000b\"", "line 2: strings must not contain U+0000 (NUL)")]
    [InlineData("description = \"a\\uD800\"", "line 2: \\uD800 is not a Unicode scalar value")]
    [InlineData("description = \"a\\UFFFFFFFF\"", "line 2: \\UFFFFFFFF is not a Unicode scalar value")]
    [InlineData("description = \"a\\U00110000\"", "line 2: \\U00110000 is not a Unicode scalar value")]
    [InlineData("description = \"a\\u 123\"", "line 2: invalid \\u escape")]
    public void A_string_escape_that_is_not_storable_text_is_rejected(string line, string message)
    {
        var source = $"# /// script\n# [tool.scriptplatform]\n# {line}\n# ///\n";

        var error = Assert.Throws<ScriptMetadataException>(() => ScriptMetadataParser.Parse(source));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Arrays_nested_deeper_than_the_limit_are_rejected_instead_of_exhausting_the_stack()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var source = $"# /// script\n# [tool.scriptplatform.params]\n# a = {{ type = \"array\", default = {deep} }}\n# ///\n";

        var error = Assert.Throws<ScriptMetadataException>(() => ScriptMetadataParser.Parse(source));

        Assert.Contains("nest more than 32 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_script_blocks_are_rejected()
    {
        const string source = "# /// script\n# dependencies = []\n# ///\n# /// script\n# dependencies = []\n# ///\n";

        var error = Assert.Throws<ScriptMetadataException>(() => ScriptMetadataParser.Parse(source));

        Assert.Contains("more than one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Toml_strings_escapes_and_multiline_values_are_read()
    {
        const string source = "# /// script\n# [tool.scriptplatform]\n# description = \"tab\\there \\u00e9\"\n# category = 'raw\\path'\n# ///\n";

        var metadata = ScriptMetadataParser.Parse(source);

        Assert.Equal("tab\there é", metadata.Description);
        Assert.Equal("raw\\path", metadata.Category);
    }

    [Theory]
    [InlineData("requests>=2.31", "requests")]
    [InlineData("PyYAML", "yaml")]
    [InlineData("scikit-learn[all]; python_version>'3.8'", "sklearn")]
    [InlineData("typing_extensions", "typing_extensions")]
    [InlineData("Some.Package-Name", "some_package_name")]
    public void A_requirement_maps_to_its_import_name(string requirement, string importName) =>
        Assert.Equal(importName, ScriptMetadataParser.ImportName(requirement));
}
