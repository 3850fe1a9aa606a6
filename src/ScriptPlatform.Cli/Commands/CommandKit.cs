using System.CommandLine;
using ScriptPlatform.Cli.Infrastructure;
using ScriptPlatform.Cli.Operations;

namespace ScriptPlatform.Cli.Commands;

/// <summary>What the commands of one invocation share: the environment, settings, clients and operations (made on first use).</summary>
public sealed class CliContext(CliEnvironment environment) : IDisposable
{
    private readonly Lazy<CliSettings> _settings = new(() => CliSettings.Load(environment));
    private PlatformClients? _platform;
    private ScriptOperations? _operations;

    public CliEnvironment Environment => environment;

    public CliSettings Settings => _settings.Value;

    public PlatformClients Platform => _platform ??= new PlatformClients(Settings);

    public ScriptOperations Operations => _operations ??= new ScriptOperations(Settings, Platform);

    public void Dispose() => _platform?.Dispose();
}

/// <summary>Options every command shares, and the one way a command runs: result as JSON or text, errors as exit codes.</summary>
internal static class CommandKit
{
    /// <summary>Machine-readable output instead of text, on every command.</summary>
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write the result as JSON (for scripts and agents).",
        Recursive = true,
    };

    /// <summary>A command whose help ends with an example.</summary>
    public static Command New(string name, string description, params string[] examples) =>
        new(name, $"{description}\n\nExample{(examples.Length > 1 ? "s" : "")}:\n" + string.Join("\n", examples.Select(e => "  " + e)));

    /// <summary>
    /// Runs <paramref name="action"/>; writes its result as JSON (--json) or through <paramref name="text"/>.
    /// Exit code: <paramref name="exitCode"/> of the result (default 0), or the error's (1 failed, 2 usage).
    /// </summary>
    public static Command Handle<T>(this Command command, CliContext context, Func<ParseResult, CliOutput, CancellationToken, Task<T>> action,
        Action<T, CliOutput> text, Func<T, int>? exitCode = null)
        where T : notnull
    {
        command.SetAction(async (parse, ct) =>
        {
            var output = new CliOutput(context.Environment, parse.GetValue(Json));
            try
            {
                var result = await action(parse, output, ct).ConfigureAwait(false);
                if (output.IsJson)
                {
                    output.WriteJson(result);
                }
                else
                {
                    text(result, output);
                }

                return exitCode?.Invoke(result) ?? 0;
            }
            catch (CliError error)
            {
                output.Error(error);
                return error.ExitCode;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                output.Error(new CliError("cancelled", "Cancelled."));
                return CliError.Failed;
            }
        });
        return command;
    }

    /// <summary>Warnings in text mode (JSON results carry them in their <c>warnings</c>).</summary>
    public static void PrintWarnings(this CliOutput output, IEnumerable<string> warnings)
    {
        foreach (var warning in warnings)
        {
            output.Warn(warning);
        }
    }
}
