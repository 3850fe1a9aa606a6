using System.CommandLine;
using ScriptPlatform.Cli.Commands;
using ScriptPlatform.Cli.Infrastructure;

namespace ScriptPlatform.Cli;

/// <summary>The <c>sp</c> command line: every command, and exit codes 0 (ok), 1 (the operation failed), 2 (usage error).</summary>
public static class SpApp
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken ct = default)
    {
        using var context = new CliContext(environment);
        var root = new RootCommand("sp: search, load, run and publish ScriptPlatform scripts across the project, user and registry tiers.\n\n" +
            "Examples:\n  sp search \"add numbers\"\n  sp load math_addition_001\n  sp run math_addition_001 --param a=2 --param b=3\n  sp doctor");
        root.Options.Add(CommandKit.Json);
        foreach (var command in ScriptCommands.Create(context).Concat(PlatformCommands.Create(context)).Concat(AiCommands.Create(context)))
        {
            root.Subcommands.Add(command);
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await environment.Error.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }

            await environment.Error.WriteLineAsync($"Usage: see 'sp {string.Join(' ', CommandPath(parse))}--help'.").ConfigureAwait(false);
            return CliError.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = environment.Out, Error = environment.Error }, ct).ConfigureAwait(false);
        }
        catch (CliError error)
        {
            // Configuration problems surface while a command first reads its settings.
            new CliOutput(environment, parse.GetValue(CommandKit.Json)).Error(error);
            return error.ExitCode;
        }
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new Stack<string>();
        for (var result = parse.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            names.Push(result.Command.Name + " ");
        }

        return names;
    }
}
