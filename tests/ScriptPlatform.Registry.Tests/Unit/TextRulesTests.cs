using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Domain;
using ScriptPlatform.ServiceDefaults.Text;

namespace ScriptPlatform.Registry.Tests.Unit;

public class TextRulesTests
{
    [Theory]
    [InlineData("")]
    [InlineData("plain text\nwith lines\tand tabs")]
    [InlineData("emoji \U0001F600 is a valid surrogate pair")]
    [InlineData("\u0001\u0007 control characters are storable")]
    public void Storable_text_passes(string value) => Assert.Null(TextRules.Validate(value, "description"));

    [Fact]
    public void A_NUL_is_named_with_the_field_and_its_position() =>
        Assert.StartsWith("description contains a NUL character (U+0000) at position 1", TextRules.Validate("a\0b", "description"), StringComparison.Ordinal);

    [Fact]
    public void An_unpaired_surrogate_is_named_with_the_field_and_its_position()
    {
        // Built here, not passed as theory data: xunit's serialisation of test cases would replace a lone surrogate with U+FFFD.
        Assert.StartsWith("description contains an unpaired surrogate (U+D800) at position 0", TextRules.Validate("\uD800", "description"), StringComparison.Ordinal);
        Assert.StartsWith("description contains an unpaired surrogate (U+DC00) at position 2", TextRules.Validate("ab\uDC00", "description"), StringComparison.Ordinal);
        Assert.StartsWith("description contains an unpaired surrogate (U+D83D) at position 2", TextRules.Validate("\U0001F600\uD83D", "description"), StringComparison.Ordinal);
        Assert.StartsWith("description contains an unpaired surrogate (U+D83D) at position 0", TextRules.Validate("\uD83D\uD83D\uDE00", "description"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_string_of_a_message_is_checked_nested_messages_and_lists_included()
    {
        Assert.Null(TextRules.FirstInvalid(new LoadRequest { Script = new ScriptRef { Name = "a", VersionSelector = "^1" } }));
        Assert.StartsWith("script.version_selector contains a NUL", TextRules.FirstInvalid(new LoadRequest { Script = new ScriptRef { Name = "a", VersionSelector = "^1\0" } }), StringComparison.Ordinal);
        Assert.StartsWith("tags[1] contains an unpaired surrogate", TextRules.FirstInvalid(new PublishRequest { Tags = { "ok", "\uDFFF" } }), StringComparison.Ordinal);
        Assert.StartsWith("metadata.params[0].description contains a NUL",
            TextRules.FirstInvalid(new ScriptMetadata { Params = { new ParamSpec { Name = "a", Description = "\0" } } }, "metadata."), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_string_field_of_every_registry_request_is_reached()
    {
        // A request type whose strings the descriptor walk missed would let NUL through to Postgres.
        foreach (var method in RegistryService.Descriptor.Methods)
        {
            foreach (var field in method.InputType.Fields.InDeclarationOrder().Where(f => f.FieldType == Google.Protobuf.Reflection.FieldType.String))
            {
                var request = method.InputType.Parser.ParseFrom(Google.Protobuf.ByteString.Empty);
                if (field.IsRepeated)
                {
                    ((System.Collections.IList)field.Accessor.GetValue(request)).Add("\0");
                }
                else
                {
                    field.Accessor.SetValue(request, "\0");
                }

                Assert.Contains(field.Name, TextRules.FirstInvalid(request), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_value_quoted_in_a_message_is_short_and_printable()
    {
        Assert.Equal("abc", TextRules.Shown("abc"));
        Assert.Equal("a?b", TextRules.Shown("a\nb"));
        var shown = TextRules.Shown(new string('x', 100_000));
        Assert.Equal(new string('x', TextRules.ShownLength) + "… (100,000 characters)", shown);
    }

    [Fact]
    public void A_derived_summary_is_never_cut_inside_a_surrogate_pair()
    {
        var docstring = new string('a', MetadataMapping.MaxSummaryLength - 1) + "\U0001F600 and more";
        var summary = MetadataMapping.DeriveSummary(new Sandbox.Metadata.ScriptMetadata { Docstring = docstring });

        Assert.Equal(MetadataMapping.MaxSummaryLength - 1, summary.Length);
        Assert.Null(TextRules.Validate(summary, "summary"));
    }
}
