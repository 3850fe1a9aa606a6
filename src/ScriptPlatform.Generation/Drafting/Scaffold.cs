using System.Text;

namespace ScriptPlatform.Generation.Drafting;

/// <summary>
/// The script Generate returns when no model is configured: valid, in the platform's format, labelled as a scaffold
/// in its metadata, docstring and result, with the request in its docstring, and an <c>execute</c> that returns
/// status <c>not_implemented</c>. It is never presented as working code.
/// </summary>
public static class Scaffold
{
    public const string NotImplemented = "not_implemented";

    public static string Create(string description, string category, string task, string? name)
    {
        var title = name ?? $"{category}_{task}";
        return $$""""
            # /// script
            # requires-python = ">=3.11"
            # dependencies = []
            # [tool.scriptplatform]
            # category = "{{TomlString(category)}}"
            # description = "SCAFFOLD, not implemented: {{TomlString(OneLine(description, 200))}}"
            # ///
            """
            {{title}}: SCAFFOLD, NOT IMPLEMENTED.

            Drafted without a language model (none is configured), so this script does nothing yet:
            execute() returns status "not_implemented". Replace its body with the real code.

            Requested:
            {{DocstringText(description)}}
            """


            def execute(params: dict) -> dict:
                return {
                    "status": "{{NotImplemented}}",
                    "data": None,
                    "metadata": {"scaffold": True},
                    "error": "this script is a scaffold: no model was configured to write its code",
                }

            """";
    }

    /// <summary>A TOML basic string's content: quotes and backslashes escaped, control characters dropped.</summary>
    private static string TomlString(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => sb.Append("\\\""),
                '\\' => sb.Append("\\\\"),
                _ when char.IsControl(c) => sb.Append(' '),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }

    /// <summary>Text that cannot end the docstring early or start an escape: backslashes doubled, quote runs broken.</summary>
    private static string DocstringText(string text) =>
        string.Join('\n', text.ReplaceLineEndings("\n").Split('\n').Select(line =>
            "    " + new string([.. line.Where(c => !char.IsControl(c) || c == '\t')])
                .Replace("\\", "\\\\", StringComparison.Ordinal)
                .Replace("\"", "\\\"", StringComparison.Ordinal)));

    private static string OneLine(string text, int max)
    {
        var line = string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= max ? line : line[..max] + "…";
    }
}
