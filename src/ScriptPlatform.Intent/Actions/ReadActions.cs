using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Intent.Domain;
using ScriptPlatform.Intent.Parsing;

namespace ScriptPlatform.Intent.Actions;

/// <summary>Search, load, help, versions and tools: answered at once from the Registry, with the caller's key.</summary>
public sealed class ReadActions(PlatformClients clients, ActionPlanner planner, IOptions<IntentOptions> options)
{
    private readonly IntentOptions _options = options.Value;

    public async Task<Reply> AnswerAsync(ParsedIntent parsed, InterpretRequest request, CallerIdentity caller)
    {
        var e = parsed.Entities;
        try
        {
            return parsed.Action switch
            {
                ActionKind.Search => await SearchAsync(e, caller),
                ActionKind.Load => await LoadAsync(e, caller),
                ActionKind.Help => await HelpAsync(e, caller),
                ActionKind.Versions => await VersionsAsync(e, caller),
                ActionKind.Tools => await ToolsAsync(request.AgentId, caller),
                _ => throw new ArgumentOutOfRangeException(nameof(parsed), parsed.Action, "not a read action"),
            };
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.NotFound && e.Name is not null)
        {
            // "No such version" stays the Registry's answer; an unknown name gets "did you mean".
            if (await clients.ExistsAsync(e.Name, caller))
            {
                throw;
            }

            return await planner.UnknownAsync(e.Name, caller);
        }
    }

    private async Task<Reply> SearchAsync(IntentEntities e, CallerIdentity caller)
    {
        var response = await clients.Registry.SearchAsync(
            new SearchRequest { Query = e.Query ?? "", Category = e.Category ?? "", Limit = _options.SearchHits }, caller.Downstream());
        var message = new StringBuilder();
        if (response.Hits.Count == 0)
        {
            message.Append($"No scripts match \"{e.Query}\". You can generate one: \"generate code for {e.Query}\".");
        }
        else
        {
            message.Append($"Found {response.Hits.Count} script(s):");
            foreach (var hit in response.Hits)
            {
                message.Append($"\n- {hit.Script.Name} {hit.Script.LatestVersion}: {FirstNonEmpty(hit.Script.Description, hit.Script.Summary)}");
            }
        }

        return new Reply(ActionKind.Search, message.ToString(), new ActionOutcome { Kind = ActionKind.Search, Ok = true, Message = message.ToString(), Search = response });
    }

    private async Task<Reply> LoadAsync(IntentEntities e, CallerIdentity caller)
    {
        var loaded = await clients.Registry.LoadAsync(new LoadRequest { Script = new() { Name = e.Name, VersionSelector = e.Version ?? "" } }, caller.Downstream());
        var message = $"Loaded {loaded.Version.Name} {loaded.Version.Version} ({loaded.Version.SizeBytes} bytes, sha256 {loaded.Version.ContentHash[..12]}…).";
        return new Reply(ActionKind.Load, message, new ActionOutcome
        {
            Kind = ActionKind.Load, Ok = true, Message = message, Loaded = loaded, Name = loaded.Version.Name, Version = loaded.Version.Version,
        });
    }

    private async Task<Reply> HelpAsync(IntentEntities e, CallerIdentity caller)
    {
        var help = await clients.Registry.HelpAsync(new HelpRequest { Name = e.Name ?? "", Topic = e.Query ?? "" }, caller.Downstream());
        var text = e.Name is null && e.Query is null ? IntentHelp + "\n\n" + help.Text : help.Text;
        return new Reply(ActionKind.Help, text, new ActionOutcome { Kind = ActionKind.Help, Ok = true, Message = text, Help = help, Name = e.Name ?? "" });
    }

    private async Task<Reply> VersionsAsync(IntentEntities e, CallerIdentity caller)
    {
        var versions = await clients.Registry.ListVersionsAsync(new ListVersionsRequest { Name = e.Name }, caller.Downstream());
        var list = string.Join(", ", versions.Versions.Select(v => v.IsLatest ? v.Version + " (latest)" : v.Version));
        var message = versions.Versions.Count == 0 ? $"{e.Name} has no versions." : $"{e.Name} has {versions.Versions.Count} version(s): {list}.";
        return new Reply(ActionKind.Versions, message, new ActionOutcome { Kind = ActionKind.Versions, Ok = true, Message = message, Versions = versions, Name = e.Name });
    }

    private async Task<Reply> ToolsAsync(string agentId, CallerIdentity caller)
    {
        if (string.IsNullOrWhiteSpace(agentId))
        {
            return new Reply(ActionKind.Clarify, "Whose tools? Tools belong to an agent: send the request with an agent id (sp ask --agent ID).");
        }

        var tools = await clients.Registry.ListAgentToolsAsync(new ListAgentToolsRequest { AgentId = agentId }, caller.Downstream());
        var message = tools.Tools.Count == 0
            ? $"Agent {agentId} has no tools yet. Generated scripts are linked to it automatically."
            : $"Agent {agentId} has {tools.Tools.Count} tool(s): {string.Join(", ", tools.Tools.Select(t => t.ScriptName))}.";
        return new Reply(ActionKind.Tools, message, new ActionOutcome { Kind = ActionKind.Tools, Ok = true, Message = message, Tools = tools });
    }

    private static string FirstNonEmpty(params string[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) ?? "";

    /// <summary>What Intent understands, shown before the Registry's general help.</summary>
    public const string IntentHelp = """
        I understand, in plain words:
        - generate code for a math addition script
        - run code math_addition_001.py (with a=1 b=2, or a JSON object); run X for each row of rows.csv (attach the file)
        - update code math_addition_001.py to print 'Sum: 5'
        - delete code math_addition_001.py
        - find a script that converts csv to json; load X; show versions of X; publish X as 1.2.0 (attach the file); show my tools; help with X
        Anything that creates, changes, deletes or runs something asks first: answer "yes" (or "y", "sure") to go ahead; anything else cancels.
        """;
}
