using System.CommandLine;
using ScriptPlatform.Cli.Infrastructure;
using ScriptPlatform.Cli.Mcp;
using ScriptPlatform.Cli.Operations;
using ScriptPlatform.Cli.Tiers;

namespace ScriptPlatform.Cli.Commands;

/// <summary>generate, ask, chat (thin clients of Generation and Intent) and mcp (the MCP server over stdio).</summary>
internal static class AiCommands
{
    public static IEnumerable<Command> Create(CliContext context) => [Generate(context), Ask(context), Chat(context), McpServerCommand.Create(context)];

    private static Command Generate(CliContext context)
    {
        var description = new Argument<string>("description") { Description = "What the script should do, in plain language." };
        var category = new Option<string?>("--category") { Description = "Category (inferred when absent)." };
        var task = new Option<string?>("--task") { Description = "Task (inferred when absent)." };
        var name = new Option<string?>("--name") { Description = "The script's name (default: category_task)." };
        var save = new Option<string?>("--save") { Description = "Save the draft into a tier: project or user." };
        save.AcceptOnlyFromAmong("project", "user");
        var command = CommandKit.New("generate", "Draft a script with the Generation service (validated in its sandbox).", "sp generate \"a math addition script\" --save project");
        command.Arguments.Add(description);
        command.Options.Add(category);
        command.Options.Add(task);
        command.Options.Add(name);
        command.Options.Add(save);
        return command.Handle(context,
            (p, _, ct) => context.Operations.GenerateAsync(p.GetValue(description)!, p.GetValue(category), p.GetValue(task), p.GetValue(name),
                p.GetValue(save) switch { "project" => Tier.Project, "user" => Tier.User, _ => null }, ct),
            (r, o) =>
            {
                o.Line(r.Content);
                o.Line($"# {r.Source}{(r.Model is null ? "" : " " + r.Model)}; {(r.Valid ? "valid" : "NOT valid")}; {r.Summary}");
                foreach (var issue in r.Issues)
                {
                    o.Line("# " + issue);
                }

                if (r.SavedTo is not null)
                {
                    o.Line($"# saved to {r.SavedTo}");
                }
            });
    }

    private static Command Ask(CliContext context)
    {
        var utterance = new Argument<string>("utterance") { Description = "What you want, in plain language." };
        var session = new Option<string?>("--session") { Description = "Continue this Intent session." };
        var agent = new Option<string?>("--agent") { Description = "The agent on whose behalf (a generated script becomes its tool)." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Confirm the proposed action at once." };
        var command = CommandKit.New("ask", "Ask the Intent service: it answers, or proposes an action to confirm.", "sp ask \"generate code for a math addition script\" --yes");
        command.Arguments.Add(utterance);
        command.Options.Add(session);
        command.Options.Add(agent);
        command.Options.Add(yes);
        return command.Handle(context,
            (p, _, ct) => context.Operations.AskAsync(p.GetValue(utterance)!, p.GetValue(session), p.GetValue(yes), ct, p.GetValue(agent)),
            (r, o) => o.Line(Describe(r)),
            r => r.Ok == false ? 1 : 0);
    }

    private static Command Chat(CliContext context)
    {
        var command = CommandKit.New("chat", "Talk to the Intent service line by line; proposals are confirmed with yes or no. Type exit to leave.", "sp chat");
        return command.Handle(context, async (_, o, ct) =>
        {
            string? session = null;
            var turns = 0;
            while (true)
            {
                context.Environment.Out.Write("> ");
                var line = await context.Environment.In.ReadLineAsync(ct).ConfigureAwait(false);
                if (line is null || line.Trim() is "exit" or "quit")
                {
                    return turns;
                }

                if (line.Trim().Length == 0)
                {
                    continue;
                }

                var reply = await context.Operations.AskAsync(line, session, confirm: false, ct).ConfigureAwait(false);
                session = reply.SessionId;
                turns++;
                o.Line(Describe(reply));
                if (reply.Kind == "proposal")
                {
                    context.Environment.Out.Write("yes/no> ");
                    var answer = (await context.Environment.In.ReadLineAsync(ct).ConfigureAwait(false))?.Trim().ToLowerInvariant();
                    var outcome = await context.Operations.ConfirmAsync(session, reply.ConfirmationId!, answer is "y" or "yes" or "ok" or "sure", ct).ConfigureAwait(false);
                    o.Line(Describe(outcome));
                }
            }
        }, (_, _) => { });
    }

    private static string Describe(AskResult reply) => reply.Kind switch
    {
        "proposal" => reply.Question ?? "Confirm?",
        "answer" => reply.Answer ?? "",
        _ => reply.Message ?? reply.Kind,
    };
}
