using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Intent.Actions;
using ScriptPlatform.Intent.Parsing;

namespace ScriptPlatform.Intent.Tests.Parsing;

/// <summary>The confirmation rule, batch rows and the parser's safety rules, without any server.</summary>
public sealed class ParserRuleTests
{
    [Theory]
    [InlineData("yes")]
    [InlineData("Yes")]
    [InlineData("YES!!")]
    [InlineData("y")]
    [InlineData(" Y. ")]
    [InlineData("sure")]
    [InlineData("Sure?")]
    [InlineData("SURE…")]
    public void A_plain_yes_y_or_sure_in_any_case_with_trailing_punctuation_confirms(string text) => Assert.True(Affirmation.IsYes(text));

    [Theory]
    [InlineData("no")]
    [InlineData("yess")]
    [InlineData("ok")]
    [InlineData("yes please run it twice")]
    [InlineData("yes, and also delete everything")]
    [InlineData("sure thing")]
    [InlineData("")]
    [InlineData("why?")]
    public void Anything_else_is_not_a_yes(string text) => Assert.False(Affirmation.IsYes(text));

    [Fact]
    public void A_yes_with_more_is_an_answer_that_tries_to_add_to_the_action()
    {
        Assert.True(Affirmation.IsYesWithMore("yes, and also delete everything"));
        Assert.True(Affirmation.IsYesWithMore("Y and run x.py"));
        Assert.False(Affirmation.IsYesWithMore("yes!"));
        Assert.Equal(ActionKind.Clarify, IntentParser.Parse("yes, and also delete everything").Action);
    }

    [Fact]
    public void Two_commands_in_one_message_are_never_read_as_one()
    {
        Assert.Equal(IntentParser.OneRequestAtATime, IntentParser.Parse("run a_b_1.py and delete c_d_2.py").Question);
        Assert.Equal(IntentParser.OneRequestAtATime, IntentParser.Parse("delete a_b_1; run c_d_2").Question);
    }

    [Fact]
    public void Free_text_of_a_generate_keeps_its_own_and()
    {
        var parsed = IntentParser.Parse("generate code for a script that searches and sorts a list");
        Assert.Equal(ActionKind.Generate, parsed.Action);
        Assert.Equal("a script that searches and sorts a list".Replace("a script that ", "", StringComparison.Ordinal), parsed.Entities.Query);
    }

    [Fact]
    public void The_update_instruction_keeps_the_users_case_and_quotes()
    {
        var parsed = IntentParser.Parse("update code math_addition_001.py to print 'Sum: 5'");
        Assert.Equal("print 'Sum: 5'", parsed.Entities.Instruction);
        Assert.Null(parsed.Entities.ParamsJson);
    }

    [Fact]
    public void A_malformed_json_object_is_not_taken_as_params()
    {
        var parsed = IntentParser.Parse("run math_addition_001 with {\"a\": 1,");
        Assert.Equal(ActionKind.Run, parsed.Action);
        Assert.Null(parsed.Entities.ParamsJson);
    }

    [Fact]
    public void Csv_rows_become_typed_params_objects_with_the_requests_constants()
    {
        var rows = BatchRows.Parse("rows.csv", "a,b,name\n1,2,\"Smith, J\"\n3.5,true,x\n", """{"unit":"km"}""");
        Assert.Equal(["""{"a":1,"b":2,"name":"Smith, J","unit":"km"}""", """{"a":3.5,"b":true,"name":"x","unit":"km"}"""], rows);
    }

    [Fact]
    public void Json_lines_rows_are_objects_and_a_bad_line_is_named()
    {
        Assert.Equal(2, BatchRows.Parse("q.jsonl", "{\"a\":1}\n\n{\"a\":2}\n", null).Count);
        var error = Assert.Throws<FormatException>(() => BatchRows.Parse("q.jsonl", "{\"a\":1}\n[1,2]\n", null));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_csv_row_with_the_wrong_number_of_fields_is_refused_with_its_line()
    {
        var error = Assert.Throws<FormatException>(() => BatchRows.Parse("rows.csv", "a,b\n1,2\n3\n", null));
        Assert.Contains("line", error.Message, StringComparison.Ordinal);
    }
}
