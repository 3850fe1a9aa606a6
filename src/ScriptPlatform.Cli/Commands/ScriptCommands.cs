using System.CommandLine;
using System.Text.Json;
using ScriptPlatform.Cli.Infrastructure;
using ScriptPlatform.Cli.Operations;
using ScriptPlatform.Cli.Tiers;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Registry.V1;
using Spectre.Console;

namespace ScriptPlatform.Cli.Commands;

/// <summary>search, load, run, publish, remove, versions, help, lock, history: seed 004's tools over the three tiers.</summary>
internal static class ScriptCommands
{
    public static IEnumerable<Command> Create(CliContext context) =>
    [
        Search(context), Load(context), Run(context), Publish(context), Remove(context), Versions(context), Help(context), Lock(context), History(context),
    ];

    private static Command Search(CliContext context)
    {
        var query = new Argument<string>("query") { Description = "Words to look for (names, categories, descriptions; full text and meaning in the registry).", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "" };
        var category = new Option<string?>("--category") { Description = "Only this category." };
        var limit = new Option<int>("--limit") { Description = "Most hits per tier.", DefaultValueFactory = _ => 10 };
        var local = new Option<bool>("--local") { Description = "Search the project and user tiers only." };
        var command = CommandKit.New("search", "Search the project, user and registry tiers; each hit says its source.", "sp search \"add two numbers\"", "sp search scraping --local --json");
        command.Arguments.Add(query);
        command.Options.Add(category);
        command.Options.Add(limit);
        command.Options.Add(local);
        return command.Handle(context,
            (p, _, ct) => context.Operations.SearchAsync(p.GetValue(query) ?? "", p.GetValue(category), Math.Clamp(p.GetValue(limit), 1, 100), p.GetValue(local), ct),
            (r, o) =>
            {
                var table = new Table().AddColumns("source", "name", "category", "version", "description");
                foreach (var hit in r.Hits)
                {
                    table.AddRow(Markup.Escape(hit.Source), Markup.Escape(hit.Name), Markup.Escape(hit.Category ?? ""), Markup.Escape(hit.Version ?? ""), Markup.Escape(hit.Description ?? ""));
                }

                if (r.Hits.Count == 0)
                {
                    o.Line("No scripts found.");
                }
                else
                {
                    o.Console.Write(table);
                }

                o.PrintWarnings(r.Warnings);
            });
    }

    private static Command Load(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Script name." };
        var version = new Option<string?>("--version") { Description = "Exact version or range (default: the lockfile's pin, else the latest)." };
        var to = new Option<string>("--to") { Description = "Tier to download into: user or project.", DefaultValueFactory = _ => "user" };
        to.AcceptOnlyFromAmong("user", "project");
        var force = new Option<bool>("--force") { Description = "Replace a local file with different content." };
        var command = CommandKit.New("load", "Download a registry script into the user tier (or --to project) and pin it in the lockfile.", "sp load math_addition_001", "sp load math_addition_001 --version 1.2.0 --to project");
        command.Arguments.Add(name);
        command.Options.Add(version);
        command.Options.Add(to);
        command.Options.Add(force);
        return command.Handle(context,
            (p, _, ct) => context.Operations.LoadAsync(p.GetValue(name)!, p.GetValue(version), p.GetValue(to) == "project" ? Tier.Project : Tier.User, p.GetValue(force), false, ct),
            (r, o) =>
            {
                o.Line($"Loaded {r.Name} {r.Version} into the {r.Tier} tier: {r.Path}");
                o.Line($"sha256 {r.Sha256}");
                o.PrintWarnings(r.Warnings);
            });
    }

    private static Command Run(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Script name (resolved project tier first, then user tier; never downloaded)." };
        var param = new Option<string[]>("--param", "-p") { Description = "A parameter as key=value (repeatable; values that parse as JSON are JSON).", Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<string?>("--params") { Description = "All parameters as one JSON object." };
        var timeout = new Option<double?>("--timeout") { Description = "Wall-clock limit in seconds." };
        var command = CommandKit.New("run", "Run a local script in the sandbox, with no server needed.", "sp run math_addition_001 --param a=2 --param b=3", "sp run math_addition_001 --params '{\"a\": 2, \"b\": 3}' --timeout 10 --json");
        command.Arguments.Add(name);
        command.Options.Add(param);
        command.Options.Add(json);
        command.Options.Add(timeout);
        return command.Handle(context,
            (p, o, ct) =>
            {
                var seconds = p.GetValue(timeout);
                if (seconds is <= 0 or > 86400)
                {
                    throw CliError.UsageError("invalid_timeout", $"--timeout {seconds} is out of range; give seconds between 0 and 86400.");
                }

                var paramsJson = ParamsInput.Combine(p.GetValue(json), p.GetValue(param));
                return context.Operations.RunAsync(p.GetValue(name)!, paramsJson, seconds,
                    o.IsJson ? null : line => (line.Stream == Sandbox.OutputStream.Stdout ? context.Environment.Out : context.Environment.Error).WriteLine(line.Text),
                    "Use load first: sp load {0}", ct);
            },
            (r, o) =>
            {
                o.Line($"{r.Status}: {r.ScriptName} ({r.Source} tier{(r.Version is null ? "" : ", " + r.Version)}) in {r.DurationSec:0.###} s, cost {r.CostUsd:0.######} USD");
                if (r.Data is { } data)
                {
                    o.Line(JsonSerializer.Serialize(data, CliOutput.Json));
                }

                if (r.Error is { } error)
                {
                    context.Environment.Error.WriteLine($"{error.Type}: {error.Message}");
                    if (!string.IsNullOrEmpty(error.Traceback))
                    {
                        context.Environment.Error.WriteLine(error.Traceback);
                    }
                }

                o.PrintWarnings(r.Warnings);
            },
            r => r.Status == "success" ? 0 : 1);
    }

    private static Command Publish(CliContext context)
    {
        var target = new Argument<string>("path-or-name") { Description = "A .py file, or the name of a script in the project or user tier." };
        var version = new Option<string>("--version") { Description = "Strict semver, greater than the latest (for example 1.0.0).", Required = true };
        var changelog = new Option<string?>("--changelog") { Description = "What changed." };
        var source = new Option<string?>("--source") { Description = "Tier to read a named script from: project or user (default: project, then user)." };
        source.AcceptOnlyFromAmong("project", "user");
        var command = CommandKit.New("publish", "Publish a script file or a tier's script to the registry as a new version.", "sp publish .ai/scripts/math/my_sum.py --version 1.0.0 --changelog \"Initial release\"", "sp publish my_sum --version 1.1.0 --source user");
        command.Arguments.Add(target);
        command.Options.Add(version);
        command.Options.Add(changelog);
        command.Options.Add(source);
        return command.Handle(context,
            (p, _, ct) => context.Operations.PublishAsync(p.GetValue(target)!, p.GetValue(version)!, p.GetValue(changelog),
                p.GetValue(source) switch { "project" => Tier.Project, "user" => Tier.User, _ => null }, ct),
            (r, o) =>
            {
                o.Line(r.IdempotentReplay ? $"{r.Name} {r.Version} was already published with this content; nothing changed." : $"Published {r.Name} {r.Version} (sha256 {r.Sha256}).");
                o.PrintWarnings(r.Warnings);
            });
    }

    private static Command Remove(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Script name." };
        var version = new Option<string?>("--version") { Description = "Delete only this version." };
        var deprecate = new Option<bool>("--deprecate") { Description = "Deprecate instead of deleting (needs --reason)." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the audit log)." };
        var command = CommandKit.New("remove", "Remove a script from the registry: the whole script, one --version, or --deprecate it.", "sp remove my_sum --version 1.0.0", "sp remove my_sum --deprecate --reason \"use math_sum_002\"");
        command.Arguments.Add(name);
        command.Options.Add(version);
        command.Options.Add(deprecate);
        command.Options.Add(reason);
        return command.Handle(context,
            async (p, _, ct) =>
            {
                var mode = p.GetValue(deprecate) ? RemoveMode.Deprecate : p.GetValue(version) is null ? RemoveMode.DeleteScript : RemoveMode.DeleteVersion;
                var request = new RemoveRequest { Name = ScriptTiers.ValidateName(p.GetValue(name)), Mode = mode, Version = p.GetValue(version) ?? "", Reason = p.GetValue(reason) ?? "" };
                var response = await context.Platform.CallAsync(PlatformServices.Registry, o => context.Platform.Registry.RemoveAsync(request, o), ct: ct).ConfigureAwait(false);
                return ScriptOperations.ToJson(response);
            },
            (r, o) => o.Line($"Removed: {r}"));
    }

    private static Command Versions(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Script name." };
        var command = CommandKit.New("versions", "List a registry script's versions, newest first.", "sp versions math_addition_001");
        command.Arguments.Add(name);
        return command.Handle(context,
            async (p, _, ct) =>
            {
                var request = new ListVersionsRequest { Name = ScriptTiers.ValidateName(p.GetValue(name)), Page = new() { PageSize = 100 } };
                var response = await context.Platform.CallAsync(PlatformServices.Registry, o => context.Platform.Registry.ListVersionsAsync(request, o), ct: ct).ConfigureAwait(false);
                return response.Versions.Select(v => new VersionRow(v.Version, v.ContentHash, v.SizeBytes, v.Changelog, v.IsLatest, v.PublishedAt?.ToDateTimeOffset(), v.PublishedBy)).ToList();
            },
            (r, o) =>
            {
                var table = new Table().AddColumns("version", "latest", "published", "by", "sha256", "changelog");
                foreach (var v in r)
                {
                    table.AddRow(v.Version, v.IsLatest ? "*" : "", v.PublishedAt?.ToString("u") ?? "", Markup.Escape(v.PublishedBy ?? ""), v.Sha256[..12], Markup.Escape(v.Changelog ?? ""));
                }

                o.Console.Write(table);
            });
    }

    private static Command Help(CliContext context)
    {
        var name = new Argument<string?>("name") { Description = "A script (local tiers first, then the registry); none for the tools in general.", Arity = ArgumentArity.ZeroOrOne };
        var topic = new Option<string?>("--topic") { Description = "tiers, search, load, run, publish or lockfile." };
        var command = CommandKit.New("help", "Explain a script (its params and an example call) or the tools themselves.", "sp help math_addition_001", "sp help --topic lockfile");
        command.Arguments.Add(name);
        command.Options.Add(topic);
        return command.Handle(context,
            (p, _, ct) => context.Operations.HelpAsync(p.GetValue(name), p.GetValue(topic), ct),
            (r, o) =>
            {
                o.Line(r.Text);
                foreach (var example in r.Examples)
                {
                    o.Line("  " + example);
                }
            });
    }

    private static Command Lock(CliContext context)
    {
        var names = new Argument<string[]>("names") { Description = "Scripts to pin (default: the tier's scripts and the current pins).", Arity = ArgumentArity.ZeroOrMore };
        var command = CommandKit.New("lock", "Write the lockfile: each local script's registry version and sha256.", "sp lock", "sp lock math_addition_001");
        command.Arguments.Add(names);
        return command.Handle(context,
            (p, _, ct) => context.Operations.LockAsync(p.GetValue(names) ?? [], ct),
            (r, o) =>
            {
                o.Line($"Wrote {r.Path} ({r.Scripts.Count} pinned):");
                foreach (var (script, version) in r.Scripts)
                {
                    o.Line($"  {script} {version} sha256 {r.Integrity.GetValueOrDefault(script)}");
                }

                o.PrintWarnings(r.Warnings);
            });
    }

    private static Command History(CliContext context)
    {
        var limit = new Option<int>("--limit") { Description = "How many of the latest runs.", DefaultValueFactory = _ => 20 };
        var script = new Option<string?>("--script") { Description = "Only runs of this script." };
        var command = CommandKit.New("history", "Show local runs from ~/.scriptplatform/.runs/history.jsonl.", "sp history --limit 5", "sp history --script math_addition_001 --json");
        command.Options.Add(limit);
        command.Options.Add(script);
        return command.Handle(context,
            (p, _, _) => Task.FromResult(context.Operations.Runs.History(Math.Max(1, p.GetValue(limit)), p.GetValue(script))),
            (r, o) =>
            {
                var table = new Table().AddColumns("started", "script", "status", "seconds", "cost usd", "logged remotely");
                foreach (var run in r)
                {
                    table.AddRow(Markup.Escape((string?)run["started_at"] ?? ""), Markup.Escape((string?)run["script_name"] ?? "?"), Markup.Escape((string?)run["status"] ?? "?"),
                        run["duration_sec"]?.ToString() ?? "", run["cost_usd"]?.ToString() ?? "", run["logged_remotely"]?.ToString() ?? "");
                }

                o.Console.Write(table);
            });
    }
}
