using ScriptPlatform.Generation.Drafting;

namespace ScriptPlatform.Generation.Tests;

/// <summary>Finding the one script in a model's reply, whatever its shape.</summary>
public sealed class CodeExtractorTests
{
    private const string Script = "import math\n\n\ndef execute(params):\n    return {\"status\": \"success\", \"data\": math.pi, \"metadata\": {}}\n";

    [Theory]
    [InlineData("```python\n" + Script + "```")]
    [InlineData("```py\n" + Script + "```\n")]
    [InlineData("~~~python\n" + Script + "~~~")]
    [InlineData("```\n" + Script + "```")]
    [InlineData("Here you go:\r\n\r\n```python\r\n" + Script + "```\r\nEnjoy!")]
    [InlineData("```python\n" + Script)] // cut off by the token limit: the fence never closes
    [InlineData(Script)]
    [InlineData("Sure, the script:\n\n" + Script + "\nIt returns pi.\nAsk me anything else.")]
    [InlineData("```bash\npython3 script.py\n```\n```python\n" + Script + "```\n```python\nprint(execute({}))\n```")]
    public void The_script_is_found(string reply) =>
        Assert.Equal(Script, CodeExtractor.Extract(reply).Code);

    [Theory]
    [InlineData("I cannot help with that.", "no_code")]
    [InlineData("", "no_code")]
    [InlineData("```json\n{\"a\": 1}\n```", "no_code")]
    [InlineData("```python\n" + Script + "```\n```python\n" + Script + "```", "several_files")]
    [InlineData("`utils.py`:\n```python\ndef helper():\n    pass\n```\n`main.py`:\n```python\n" + Script + "```", "several_files")]
    [InlineData("```python\n# a.py\nx = 1\n```\n```python\n# file: b.py\n" + Script + "```", "several_files")]
    public void Replies_without_one_script_say_why(string reply, string problem)
    {
        var extraction = CodeExtractor.Extract(reply);

        Assert.Null(extraction.Code);
        Assert.Equal(problem, extraction.Problem);
        Assert.False(string.IsNullOrWhiteSpace(extraction.Message));
    }
}
