using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace ScriptPlatform.Cli.Infrastructure;

/// <summary>
/// Where a command's result goes: JSON on stdout for machines (<c>--json</c>), or text, tables and
/// progress bars through Spectre.Console for people. Warnings and errors go to stderr in text mode;
/// in JSON mode an error is the JSON document on stdout (so a caller parses one stream).
/// </summary>
public sealed class CliOutput
{
    /// <summary>snake_case like the seed's formats; nulls left out.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly CliEnvironment _environment;

    public CliOutput(CliEnvironment environment, bool json)
    {
        _environment = environment;
        IsJson = json;
        Console = Create(environment.Out);
        ErrorConsole = Create(environment.Error);
    }

    public bool IsJson { get; }

    /// <summary>Standard output for text mode (tables, progress).</summary>
    public IAnsiConsole Console { get; }

    public IAnsiConsole ErrorConsole { get; }

    public List<string> Warnings { get; } = [];

    public void Line(string text) => _environment.Out.WriteLine(text);

    public void WriteJson(object value) => _environment.Out.WriteLine(JsonSerializer.Serialize(value, value.GetType(), Json));

    /// <summary>A warning: to stderr now in text mode; collected into the result in JSON mode.</summary>
    public void Warn(string text)
    {
        Warnings.Add(text);
        if (!IsJson)
        {
            _environment.Error.WriteLine("warning: " + text);
        }
    }

    public void Error(CliError error)
    {
        if (IsJson)
        {
            WriteJson(error.ToBody());
            return;
        }

        _environment.Error.WriteLine($"error: {error.Message}");
        if (error.AvailableIn is { } where)
        {
            _environment.Error.WriteLine($"  available in: {where}");
        }

        if (error.Suggestion is { } suggestion)
        {
            _environment.Error.WriteLine($"  {suggestion}");
        }
    }

    private static IAnsiConsole Create(TextWriter writer)
    {
        var redirected = !ReferenceEquals(writer, System.Console.Out) && !ReferenceEquals(writer, System.Console.Error)
            || System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            console.Profile.Width = 160;
        }

        return console;
    }
}
