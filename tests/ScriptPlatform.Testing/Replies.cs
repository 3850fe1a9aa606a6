namespace ScriptPlatform.Testing;

/// <summary>Scripted model replies (for ScriptedModelServer): scripts in the platform's format, good and broken, and the prose around them.</summary>
public static class Replies
{
    public const string AdditionScript = """"
        # /// script
        # requires-python = ">=3.11"
        # dependencies = []
        # [tool.scriptplatform]
        # category = "math"
        # description = "Adds two numbers and returns their sum."
        # params = { a = { type = "number", required = true, description = "first addend" }, b = { type = "number", required = true, description = "second addend" } }
        # ///
        """Adds two numbers: params a and b; returns their sum."""


        def execute(params: dict) -> dict:
            return {"status": "success", "data": {"sum": params["a"] + params["b"]}, "metadata": {}}
        """";

    public const string Example = """{"a": 2, "b": 3}""";

    public static string Fenced(string code, string language = "python") => $"```{language}\n{code}\n```";

    /// <summary>The good script with a syntax error on its execute line.</summary>
    public static readonly string SyntaxError = AdditionScript.Replace("def execute(params: dict) -> dict:", "def execute(params: dict) -> dict", StringComparison.Ordinal);

    /// <summary>The good script importing a module that neither the standard library nor its dependencies provide.</summary>
    public static readonly string AbsentImport = AdditionScript.Replace("\"\"\"\n\n\ndef", "\"\"\"\nimport leftpad_numbers\n\n\ndef", StringComparison.Ordinal);

    /// <summary>The good script whose execute returns a bare number, not {status, data, metadata}.</summary>
    public static readonly string WrongShape = AdditionScript.Replace(
        """return {"status": "success", "data": {"sum": params["a"] + params["b"]}, "metadata": {}}""", """return params["a"] + params["b"]""", StringComparison.Ordinal);

    /// <summary>The good script, refined: a comment and a check for missing params.</summary>
    public static readonly string Refined = AdditionScript.Replace(
        "    return {\"status\"",
        "    # Missing params are the caller's error, reported as such.\n    if \"a\" not in params or \"b\" not in params:\n        return {\"status\": \"error\", \"data\": None, \"metadata\": {}, \"error\": \"a and b are required\"}\n    return {\"status\"",
        StringComparison.Ordinal);
}
