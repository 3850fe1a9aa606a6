using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Npgsql;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Testing.BadInput;

namespace ScriptPlatform.Intent.Tests.Infrastructure;

/// <summary>
/// An Intent host of its own for the sweep (its own database, so only the sweep's calls change its
/// tables), on the assembly's Registry and Executor, with a published script and a session holding a
/// pending card to refer to, the valid request each rpc is swept from, and row counts of Intent's tables.
/// Every call is alice's (an API key), as a real caller's would be.
/// </summary>
public sealed class IntentSweepTarget(IntentPlatform platform) : ISweepTarget, IAsyncLifetime
{
    public const string Agent = "agent-1";

    private IntentHost _host = null!;
    private DescriptorCaller _caller = null!;
    private NpgsqlDataSource _database = null!;
    private string _script = "";
    private string _sessionId = "";

    public async ValueTask InitializeAsync()
    {
        _host = await platform.StartIntentAsync();
        _caller = new DescriptorCaller(_host.Channel.CreateCallInvoker(), IntentService.Descriptor);
        _database = NpgsqlDataSource.Create(_host.Database);
        _script = await PublishAsync();
        _sessionId = (await _host.Client.InterpretAsync(RunCard(_script, "sweep-seed"), Alice(TimeSpan.FromSeconds(60)))).SessionId;
        // Warm-up (first-call JIT) of every rpc.
        foreach (var method in IntentService.Descriptor.Methods)
        {
            await CallAsync(method.Name, await BaseRequestAsync(method.Name));
        }
    }

    public ServiceDescriptor Service => IntentService.Descriptor;

    /// <summary>
    /// A request the rpc accepts, with every swept field set, so each case differs from success in one
    /// field only. Interpret proposes a run in a fresh session each time (a bad value has to be refused
    /// before the session and its card are written), with a file attached (its attachments are swept). Confirm answers a fresh card to delete a fresh
    /// script, its answer left to its text ("yes"), so that the text decides as a user's would: the one
    /// case that keeps both carries the deletion out.
    /// </summary>
    public async Task<IMessage> BaseRequestAsync(string rpc) => rpc switch
    {
        "Interpret" => RunCard(_script, NewSession()),
        "Confirm" => new ConfirmRequest { ConfirmationId = await DeleteCardAsync(), Answer = ConfirmAnswer.Unspecified, Text = "yes", Caller = "sweeper" },
        "GetSession" => new GetSessionRequest { SessionId = _sessionId },
        "ListPending" => new ListPendingRequest { SessionId = _sessionId, AgentId = Agent, Page = new PageRequest { PageSize = 10 } },
        // An rpc added later is still swept, from its empty request.
        _ => IntentService.Descriptor.FindMethodByName(rpc).InputType.Parser.ParseFrom(ByteString.Empty),
    };

    /// <summary>Calls <paramref name="rpc"/> as alice with a 5 s deadline; the status and message of its answer.</summary>
    public Task<(StatusCode Status, string Detail)> CallAsync(string rpc, IMessage request) =>
        _caller.CallAsync(rpc, request, Alice(TimeSpan.FromSeconds(5)));

    /// <summary>Nothing runs in the background in Intent (expiry is settled when a card is next touched): the counts are settled at once.</summary>
    public Task<SortedDictionary<string, long>> SettledRowCountsAsync() => RowCountsAsync();

    /// <summary>The number of rows of every table of this Intent's database (sessions, pending actions, migrations).</summary>
    public Task<SortedDictionary<string, long>> RowCountsAsync() => TableRowCounts.ReadAsync(_database);

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        await _host.DisposeAsync();
    }

    private CallOptions Alice(TimeSpan deadline) => new(headers: platform.Alice.Headers, deadline: DateTime.UtcNow.Add(deadline));

    private static InterpretRequest RunCard(string script, string session) =>
        new()
        {
            Utterance = $"run {script} with a=1 b=2", SessionId = session, AgentId = Agent, Caller = "sweeper",
            Attachments = { new Attachment { Name = "rows.csv", Content = "a,b\n1,2\n" } },
        };

    private static string NewSession() => "sweep-" + Guid.NewGuid().ToString("N");

    private async Task<string> PublishAsync()
    {
        var name = Scripts.UniqueName("math_sweep");
        await platform.Registry.PublishAsync(Scripts.Publish(name, agentId: Agent), platform.Alice);
        return name;
    }

    // A pending card to delete a script of its own, in a session of its own.
    private async Task<string> DeleteCardAsync()
    {
        var request = new InterpretRequest { Utterance = $"delete code {await PublishAsync()}.py", SessionId = NewSession(), AgentId = Agent, Caller = "sweeper" };
        var card = await _host.Client.InterpretAsync(request, Alice(TimeSpan.FromSeconds(60)));
        return card.NeedsConfirmation ? card.Proposal.ConfirmationId : throw new InvalidOperationException($"no card to delete with: {card.Message}");
    }
}
