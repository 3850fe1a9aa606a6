using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Costs;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Intent.Domain;
using ScriptPlatform.Intent.Parsing;

namespace ScriptPlatform.Intent.Actions;

/// <summary>A direct answer: a read action's result, a question, or the outcome of an answer to a card.</summary>
public sealed record Reply(ActionKind Action, string Message, ActionOutcome? Outcome = null, IReadOnlyList<string>? Suggestions = null);

/// <summary>A card awaiting "yes": what the user sees (<paramref name="Template"/>, <paramref name="Card"/>) and what a yes does.</summary>
public sealed record Proposal(ActionKind Action, ConfirmationCard Card, ActionPlan Plan, ProposedAction Template);

/// <summary>
/// Turns a write request into a card and a fixed plan, looking up what the card must show: the
/// version, cost and capabilities of a run; the draft, summary and warnings of a generate; the diff
/// of an update. Unknown names become a "did you mean" question instead of a card. Nothing is
/// changed here except the Registry's reservation of a generated name (numbers are never reused).
/// </summary>
public sealed class ActionPlanner(PlatformClients clients, IOptions<IntentOptions> options)
{
    private readonly IntentOptions _options = options.Value;

    /// <summary>A proposal, or a reply when the request cannot become a card (unknown name, missing file).</summary>
    public async Task<(Proposal? Proposal, Reply? Reply)> PlanAsync(ParsedIntent parsed, InterpretRequest request, CallerIdentity caller)
    {
        var e = parsed.Entities;
        return parsed.Action switch
        {
            ActionKind.Generate => (await GenerateAsync(e, request.AgentId, caller), null),
            ActionKind.Run => await RunAsync(e, caller),
            ActionKind.Batch => await BatchAsync(e, request, caller),
            ActionKind.Update => await UpdateAsync(e, caller),
            ActionKind.Delete => await DeleteAsync(e, caller),
            ActionKind.Publish => Publish(e, request),
            _ => throw new ArgumentOutOfRangeException(nameof(parsed), parsed.Action, "not a write action"),
        };
    }

    private async Task<Proposal> GenerateAsync(IntentEntities e, string agentId, CallerIdentity caller)
    {
        var generation = clients.Generation;
        var category = e.Category ?? "general";
        var task = e.Task ?? "script";
        var next = await clients.Registry.NextNameAsync(new NextNameRequest { Category = category, Task = task, Reserve = true }, caller.Downstream());
        var draft = await generation.GenerateAsync(
            new GenerateRequest { Description = e.Query ?? "", Category = category, Task = task, Name = next.Name }, caller.Downstream());
        if (!draft.Validation.Ok)
        {
            var errors = string.Join("; ", draft.Validation.Issues.Where(i => i.Severity == ValidationSeverity.Error).Select(i => i.Message));
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"The draft for {next.Name} did not pass validation ({errors}); nothing was published. Try rephrasing the request."));
        }

        var card = Card($"Do you want to generate this code?", $"Generate {next.Name}.py ({draft.Category}/{draft.Task}), publish it as version 1.0.0 and link it as a tool of {AgentLabel(agentId)}.",
            next.Name, "1.0.0");
        card.Summary = draft.Summary;
        card.Warnings.AddRange(Warnings(draft.Validation));
        if (draft.Source == GenerationSource.Scaffold)
        {
            card.Warnings.Add("No language model is configured: the draft is a labelled scaffold to complete by hand.");
        }

        var plan = new ActionPlan(ActionKind.Generate, next.Name, "1.0.0", Content: draft.Content, Summary: draft.Summary, Category: draft.Category,
            Description: e.Query, AgentId: agentId, Changelog: "Generated: " + e.Query);
        var template = new ProposedAction
        {
            Kind = ActionKind.Generate,
            Generate = new GenerateAction { Description = e.Query ?? "", Category = draft.Category, Task = draft.Task, ProposedName = next.Name },
        };
        return new Proposal(ActionKind.Generate, card, plan, template);
    }

    private async Task<(Proposal?, Reply?)> RunAsync(IntentEntities e, CallerIdentity caller)
    {
        var loaded = await clients.TryLoadAsync(e.Name!, e.Version, caller);
        if (loaded is null)
        {
            return (null, await UnknownAsync(e.Name!, caller));
        }

        var paramsJson = e.ParamsJson ?? "{}";
        var name = loaded.Version.Name;
        var version = loaded.Version.Version;
        var cost = CostUnits.Estimate(loaded.Metadata?.CostPerUnit ?? 0, loaded.Metadata?.CostUnit, paramsJson);
        var card = Card($"Do you want to execute {name}.py?", $"Run {name} {version} in the sandbox with params {paramsJson}.", name, version);
        card.EstimatedCostUsd = cost;
        card.Capabilities.AddRange(Capabilities(loaded.Metadata));
        var plan = new ActionPlan(ActionKind.Run, name, version, loaded.Version.ContentHash, paramsJson);
        var template = new ProposedAction
        {
            Kind = ActionKind.Run,
            Run = new RunAction { Script = new ScriptRef { Name = name, VersionSelector = version }, ParamsJson = paramsJson, EstimatedCostUsd = cost },
        };
        return (new Proposal(ActionKind.Run, card, plan, template), null);
    }

    private async Task<(Proposal?, Reply?)> BatchAsync(IntentEntities e, InterpretRequest request, CallerIdentity caller)
    {
        var attachment = FindAttachment(request, e.File!);
        if (attachment is null)
        {
            return (null, new Reply(ActionKind.Clarify,
                $"I need the rows of {e.File}: attach the file to the request (for example `sp ask \"...\" --file {e.File}`); the service cannot read your disk."));
        }

        IReadOnlyList<string> rows;
        try
        {
            rows = BatchRows.Parse(attachment.Name, attachment.Content, e.ParamsJson);
        }
        catch (FormatException error)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{attachment.Name}: {error.Message}"));
        }

        if (rows.Count == 0)
        {
            return (null, new Reply(ActionKind.Clarify, $"{attachment.Name} has no rows to run; nothing was queued."));
        }

        var loaded = await clients.TryLoadAsync(e.Name!, e.Version, caller);
        if (loaded is null)
        {
            return (null, await UnknownAsync(e.Name!, caller));
        }

        var name = loaded.Version.Name;
        var version = loaded.Version.Version;
        var cost = rows.Sum(r => CostUnits.Estimate(loaded.Metadata?.CostPerUnit ?? 0, loaded.Metadata?.CostUnit, r));
        var card = Card($"Do you want to run {name}.py for each of the {rows.Count} rows of {attachment.Name}?",
            $"Queue a batch of {rows.Count} runs of {name} {version}, one per row of {attachment.Name}.", name, version);
        card.EstimatedCostUsd = cost;
        card.Capabilities.AddRange(Capabilities(loaded.Metadata));
        var plan = new ActionPlan(ActionKind.Batch, name, version, loaded.Version.ContentHash, Rows: rows, File: attachment.Name);
        var template = new ProposedAction
        {
            Kind = ActionKind.Batch,
            Batch = new BatchAction { Script = new ScriptRef { Name = name, VersionSelector = version }, File = attachment.Name, JobCount = rows.Count, EstimatedCostUsd = cost },
        };
        return (new Proposal(ActionKind.Batch, card, plan, template), null);
    }

    private async Task<(Proposal?, Reply?)> UpdateAsync(IntentEntities e, CallerIdentity caller)
    {
        var generation = clients.Generation;
        var loaded = await clients.TryLoadAsync(e.Name!, null, caller);
        if (loaded is null)
        {
            return (null, await UnknownAsync(e.Name!, caller));
        }

        var name = loaded.Version.Name;
        var current = loaded.Version.Version;
        var revised = await generation.UpdateAsync(
            new UpdateRequest { Content = loaded.Content, Instruction = e.Instruction ?? "", Name = name, CurrentVersion = current }, caller.Downstream());
        if (!revised.Validation.Ok)
        {
            var errors = string.Join("; ", revised.Validation.Issues.Where(i => i.Severity == ValidationSeverity.Error).Select(i => i.Message));
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"The revised {name} did not pass validation ({errors}); nothing was changed."));
        }

        var next = string.IsNullOrEmpty(revised.SuggestedVersion) ? MinorBump(current) : revised.SuggestedVersion;
        var card = Card($"Do you want to update {name}.py?", $"Publish {name} {next} (now {current}): {e.Instruction}.", name, next);
        card.Diff = revised.Diff;
        card.Summary = revised.Summary;
        card.Warnings.AddRange(Warnings(revised.Validation));
        var plan = new ActionPlan(ActionKind.Update, name, next, Content: revised.Content, Summary: revised.Summary,
            Changelog: string.IsNullOrEmpty(revised.Changelog) ? e.Instruction : revised.Changelog);
        var template = new ProposedAction
        {
            Kind = ActionKind.Update,
            Update = new UpdateAction { Name = name, CurrentVersion = current, NewVersion = next, Instruction = e.Instruction ?? "", Diff = revised.Diff, Validation = revised.Validation },
        };
        return (new Proposal(ActionKind.Update, card, plan, template), null);
    }

    private async Task<(Proposal?, Reply?)> DeleteAsync(IntentEntities e, CallerIdentity caller)
    {
        GetScriptResponse script;
        try
        {
            script = await clients.Registry.GetScriptAsync(new GetScriptRequest { Name = e.Name! }, caller.Downstream());
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.NotFound)
        {
            return (null, await UnknownAsync(e.Name!, caller));
        }

        var name = script.Script.Name;
        var mode = e.Version is null ? RemoveMode.DeleteScript : RemoveMode.DeleteVersion;
        var what = mode == RemoveMode.DeleteScript
            ? $"Delete {name} with all its versions (latest {script.Script.LatestVersion}), its agent links and its search entries."
            : $"Delete version {e.Version} of {name}.";
        var card = Card($"Do you want to delete {name}.py?", what, name, e.Version ?? script.Script.LatestVersion);
        if (script.AgentIds.Count > 0)
        {
            card.Warnings.Add($"It is a tool of {script.AgentIds.Count} agent(s): {string.Join(", ", script.AgentIds.Take(5))}.");
        }

        var plan = new ActionPlan(ActionKind.Delete, name, e.Version, RemoveMode: mode);
        var template = new ProposedAction { Kind = ActionKind.Delete, Delete = new DeleteAction { Name = name, Version = e.Version ?? "", Mode = mode } };
        return (new Proposal(ActionKind.Delete, card, plan, template), null);
    }

    private static (Proposal?, Reply?) Publish(IntentEntities e, InterpretRequest request)
    {
        var attachment = FindAttachment(request, e.File ?? e.Name + ".py");
        if (attachment is null)
        {
            return (null, new Reply(ActionKind.Clarify,
                $"Attach the source of {e.Name} to publish it (for example `sp ask \"publish {e.Name} as {e.Version}\" --file {e.Name}.py`); the service cannot read your disk."));
        }

        var card = Card($"Do you want to publish {e.Name} {e.Version}?", $"Publish {attachment.Name} as {e.Name} {e.Version} in the registry.", e.Name!, e.Version!);
        var plan = new ActionPlan(ActionKind.Publish, e.Name!, e.Version, Content: attachment.Content, Changelog: e.Instruction);
        var template = new ProposedAction { Kind = ActionKind.Publish, Publish = new PublishAction { Name = e.Name, Version = e.Version, Changelog = e.Instruction ?? "" } };
        return (new Proposal(ActionKind.Publish, card, plan, template), null);
    }

    /// <summary>The clarifying answer for an unknown script, with the Registry's nearest names.</summary>
    public async Task<Reply> UnknownAsync(string name, CallerIdentity caller)
    {
        var suggestions = await clients.SuggestAsync(name, _options.Suggestions, caller);
        var message = suggestions.Count == 0
            ? $"I couldn't find a script named {name}. Try \"find a script that ...\" to search, or \"generate code for ...\" to make one."
            : $"I couldn't find a script named {name}. Did you mean: {string.Join(", ", suggestions)}?";
        return new Reply(ActionKind.Clarify, message, Suggestions: suggestions);
    }

    private static Attachment? FindAttachment(InterpretRequest request, string file) =>
        request.Attachments.FirstOrDefault(a => string.Equals(a.Name, file, StringComparison.OrdinalIgnoreCase))
        ?? request.Attachments.FirstOrDefault(a => string.Equals(Path.GetFileName(a.Name), Path.GetFileName(file), StringComparison.OrdinalIgnoreCase))
        ?? (request.Attachments.Count == 1 ? request.Attachments[0] : null);

    private static ConfirmationCard Card(string question, string what, string name, string version) =>
        new() { Question = question, WhatWillHappen = what, TargetName = name, TargetVersion = version };

    private static string AgentLabel(string agentId) => string.IsNullOrEmpty(agentId) ? "no agent (none given)" : $"agent {agentId}";

    private static IEnumerable<string> Warnings(ValidationReport report) =>
        report.Issues.Where(i => i.Severity == ValidationSeverity.Warning).Select(i => i.Line > 0 ? $"line {i.Line}: {i.Message}" : i.Message);

    /// <summary>What the script declares it may do, for the card.</summary>
    internal static IEnumerable<string> Capabilities(ScriptMetadata? metadata)
    {
        if (metadata is null)
        {
            yield break;
        }

        yield return metadata.Network ? "network access (declared)" : "no network access";
        foreach (var dependency in metadata.Dependencies)
        {
            yield return "dependency: " + dependency;
        }

        if (metadata.TimeoutSeconds > 0)
        {
            yield return $"timeout: {metadata.TimeoutSeconds}s";
        }

        if (metadata.CostPerUnit > 0)
        {
            yield return string.IsNullOrEmpty(metadata.CostUnit)
                ? $"cost: ${metadata.CostPerUnit.ToString(CultureInfo.InvariantCulture)} per run"
                : $"cost: ${metadata.CostPerUnit.ToString(CultureInfo.InvariantCulture)} per {metadata.CostUnit}";
        }
    }

    private static string MinorBump(string version)
    {
        var core = version.Split('-', '+')[0].Split('.');
        return core.Length == 3 && int.TryParse(core[1], out var minor) ? $"{core[0]}.{minor + 1}.0" : version;
    }
}
