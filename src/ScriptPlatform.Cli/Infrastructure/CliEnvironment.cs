using System.Collections;

namespace ScriptPlatform.Cli.Infrastructure;

/// <summary>
/// What one invocation of <c>sp</c> sees of the outside world: home and working directories, environment
/// variables and the standard streams. The process passes its own; tests pass temporary ones, so every
/// command runs in-process against a throwaway HOME and project.
/// </summary>
public sealed record CliEnvironment(
    string Home, string WorkingDirectory, IReadOnlyDictionary<string, string> Variables, TextWriter Out, TextWriter Error, TextReader In)
{
    public static CliEnvironment FromProcess()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string ?? "";
        }

        var home = variables.GetValueOrDefault("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new CliEnvironment(home, Directory.GetCurrentDirectory(), variables, Console.Out, Console.Error, Console.In);
    }

    public string? Variable(string name) => Variables.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
