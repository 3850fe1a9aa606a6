using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Testing;
using ScriptPlatform.Testing.BadInput;

namespace ScriptPlatform.Registry.Tests.Infrastructure;

/// <summary>One registry per swept rpc, kept for the sweep's duration (its cases run in no fixed order).</summary>
public sealed class SweepServers : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<SweepTarget>>> _targets = new(StringComparer.Ordinal);

    public Task<SweepTarget> ForAsync(string rpc, PostgresFixture postgres) =>
        _targets.GetOrAdd(rpc, _ => new Lazy<Task<SweepTarget>>(() => SweepTarget.StartAsync(rpc, postgres))).Value;

    public async ValueTask DisposeAsync()
    {
        foreach (var target in _targets.Values.Where(t => t.IsValueCreated))
        {
            await (await target.Value).DisposeAsync();
        }
    }
}

/// <summary>
/// A fresh registry with one published script (linked to an agent) and a spare API key, the valid
/// request each rpc is swept from, a descriptor-driven caller and a row count of every table.
/// </summary>
public sealed class SweepTarget : ISweepTarget, IAsyncDisposable
{
    public const string ScriptName = "math_addition_001";
    public const string Agent = "agent-1";

    private readonly RegistryServer _server;
    private readonly DescriptorCaller _caller;
    private readonly NpgsqlDataSource _database;
    private string _contentHash = "";
    private string _spareKeyId = "";
    private int _cases;

    private SweepTarget(RegistryServer server)
    {
        _server = server;
        _caller = new DescriptorCaller(server.Channel.CreateCallInvoker(), RegistryService.Descriptor);
        _database = NpgsqlDataSource.Create(server.ConnectionString);
    }

    public static async Task<SweepTarget> StartAsync(string rpc, PostgresFixture postgres)
    {
        var target = new SweepTarget(await RegistryServer.StartAsync(postgres));
        await target.SeedAsync();
        // Warm-up (first-call JIT) with a request the rpc refuses or answers without writing.
        await target.CallAsync(rpc, RegistryService.Descriptor.FindMethodByName(rpc).InputType.Parser.ParseFrom(ByteString.Empty));
        return target;
    }

    /// <summary>
    /// A request the rpc accepts, with every swept field set, so each case differs from success in one
    /// field only. Publish and LinkAgentTool get a new script or agent each time: a replay of an earlier
    /// case would stop before the writes that a bad value has to reach.
    /// </summary>
    public ServiceDescriptor Service => RegistryService.Descriptor;

    public Task<IMessage> BaseRequestAsync(string rpc) => Task.FromResult(BaseRequest(rpc));

    private IMessage BaseRequest(string rpc) => rpc switch
    {
        "Search" => new SearchRequest { Query = "add numbers", Category = "math", Tags = { "arithmetic" }, Limit = 10, Mode = SearchMode.Hybrid, AgentId = Agent },
        "Load" => new LoadRequest { Script = new ScriptRef { Name = ScriptName, VersionSelector = "^1.0" }, ExpectedContentHash = _contentHash },
        "Publish" => SweptPublish($"math_sweep_{Interlocked.Increment(ref _cases):D3}"),
        "ListVersions" => new ListVersionsRequest { Name = ScriptName, Page = new PageRequest { PageSize = 10 } },
        "Remove" => new RemoveRequest { Name = ScriptName, Mode = RemoveMode.Deprecate, Version = "1.0.0", Reason = "swept" },
        "Help" => new HelpRequest { Name = ScriptName, Topic = "search" },
        "NextName" => new NextNameRequest { Category = "math", Task = "addition", Reserve = true },
        "Feedback" => new FeedbackRequest { Name = ScriptName, Version = "1.0.0", Rating = 4, Comment = "fine", ExecutionId = "exec-1" },
        "GetStats" => new GetStatsRequest { Name = ScriptName },
        "LinkAgentTool" => new LinkAgentToolRequest { AgentId = $"agent-{Interlocked.Increment(ref _cases) + 1}", ScriptName = ScriptName, VersionSelector = "^1" },
        "UnlinkAgentTool" => new UnlinkAgentToolRequest { AgentId = Agent, ScriptName = ScriptName },
        "ListAgentTools" => new ListAgentToolsRequest { AgentId = Agent, Page = new PageRequest { PageSize = 10 } },
        "CreateApiKey" => new CreateApiKeyRequest { Owner = "sweeper", Label = "swept", Scopes = { ApiKeyScope.Read }, Ttl = Duration.FromTimeSpan(TimeSpan.FromHours(1)) },
        "RevokeApiKey" => new RevokeApiKeyRequest { Id = _spareKeyId, Reason = "swept" },
        "ListApiKeys" => new ListApiKeysRequest { Owner = "alice", IncludeRevoked = true, Page = new PageRequest { PageSize = 10 } },
        "GetScript" => new GetScriptRequest { Name = ScriptName },
        // An rpc added later is still swept, from its empty request.
        _ => RegistryService.Descriptor.FindMethodByName(rpc).InputType.Parser.ParseFrom(ByteString.Empty),
    };

    /// <summary>Calls <paramref name="rpc"/> as the admin with a 5 s deadline; the status and message of its answer.</summary>
    public Task<(StatusCode Status, string Detail)> CallAsync(string rpc, IMessage request) =>
        _caller.CallAsync(rpc, request, _server.Admin.WithDeadline(DateTime.UtcNow.AddSeconds(5)));

    /// <summary>The number of rows of every table of the registry's database, by table name.</summary>
    public Task<SortedDictionary<string, long>> RowCountsAsync() => TableRowCounts.ReadAsync(_database);

    /// <summary>Settled once the embedding of earlier publishes, which runs after they return, has written its rows.</summary>
    public async Task<SortedDictionary<string, long>> SettledRowCountsAsync()
    {
        await _server.EmbeddedAsync();
        return await RowCountsAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task SeedAsync()
    {
        var publish = Scripts.Publish(ScriptName, "1.0.0");
        publish.Tags.Add("arithmetic");
        _contentHash = (await _server.Client.PublishAsync(publish, _server.Alice)).Version.ContentHash;
        await _server.Client.LinkAgentToolAsync(new LinkAgentToolRequest { AgentId = Agent, ScriptName = ScriptName }, _server.Admin);
        var spare = new CreateApiKeyRequest { Owner = "spare", Label = "revoked by the sweep", Scopes = { ApiKeyScope.Read } };
        _spareKeyId = (await _server.Client.CreateApiKeyAsync(spare, _server.Admin)).Key.Id;
    }

    private static PublishRequest SweptPublish(string name) => new()
    {
        Name = name,
        Version = "1.0.0",
        Content = Scripts.Source("Sweeps"),
        Changelog = "first",
        Category = "math",
        Description = "Sweeps",
        Tags = { "sweep" },
        Summary = "A script published by the bad-input sweep.",
        Source = SourceTier.Registry,
        AgentId = Agent,
    };
}
