using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Testing.BadInput;

namespace ScriptPlatform.Executor.Tests.Infrastructure;

/// <summary>
/// An Executor of its own for the sweep (API role only, so batch jobs stay queued and nothing changes
/// the log behind the sweep's back), with a registry script, a finished run and a batch to refer to,
/// the valid request each rpc is swept from, and row counts of its database.
/// </summary>
public sealed class ExecutorSweepTarget(Platform platform) : ISweepTarget, IAsyncLifetime
{
    public const string ScriptName = "math_sweep_001";

    private ExecutorHost _host = null!;
    private DescriptorCaller _caller = null!;
    private NpgsqlDataSource _database = null!;
    private string _contentHash = "";
    private string _executionId = "";
    private string _batchId = "";

    public async ValueTask InitializeAsync()
    {
        TestRegistry.Publish(ScriptName, "1.0.0", Scripts.Add);
        _host = await ExecutorHost.StartAsync(platform, settings: new Dictionary<string, string?> { ["ScriptPlatform:Executor:Role"] = "Api" });
        _caller = new DescriptorCaller(_host.Channel.CreateCallInvoker(), ExecutorService.Descriptor);
        _database = NpgsqlDataSource.Create(_host.Database);
        var run = (await _host.Client.RunAsync(Run())).Execution;
        (_contentHash, _executionId) = (run.ContentHash, run.Id);
        _batchId = (await _host.Client.SubmitBatchAsync(Batch())).BatchId;
        // Warm-up (first-call JIT) of every rpc.
        foreach (var method in ExecutorService.Descriptor.Methods)
        {
            await CallAsync(method.Name, await BaseRequestAsync(method.Name));
        }
    }

    public ServiceDescriptor Service => ExecutorService.Descriptor;

    /// <summary>
    /// A request the rpc accepts, with every swept field set, so each case differs from success in one
    /// field only. Runs and batches get fresh ids (a replay would answer before the writes a bad value
    /// has to reach), and Cancel a fresh batch to cancel.
    /// </summary>
    public async Task<IMessage> BaseRequestAsync(string rpc) => rpc switch
    {
        "Run" or "RunStream" => Run(),
        "SubmitBatch" => Batch(),
        "GetBatch" => new GetBatchRequest { BatchId = _batchId, IncludeResults = true, Statuses = { ExecutionStatus.Queued }, Page = new PageRequest { PageSize = 10 } },
        "Cancel" => new CancelRequest { BatchId = (await _host.Client.SubmitBatchAsync(Batch())).BatchId, Reason = "swept" },
        "GetExecution" => new GetExecutionRequest { Id = _executionId },
        "ListExecutions" => new ListExecutionsRequest
        {
            ScriptName = ScriptName,
            Statuses = { ExecutionStatus.Success },
            BatchId = _batchId,
            Caller = "sweeper",
            CreatedAfter = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)),
            CreatedBefore = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
            Page = new PageRequest { PageSize = 10 },
        },
        // An rpc added later is still swept, from its empty request.
        _ => ExecutorService.Descriptor.FindMethodByName(rpc).InputType.Parser.ParseFrom(ByteString.Empty),
    };

    /// <summary>SubmitBatch's cases on its items (a list of script + params jobs) start from a batch given that way; every other case from <see cref="BaseRequestAsync(string)"/>.</summary>
    public async Task<IMessage> BaseRequestAsync(string rpc, string path) =>
        rpc == "SubmitBatch" && path.StartsWith("items.", StringComparison.Ordinal) ? ItemsBatch() : await BaseRequestAsync(rpc);

    /// <summary>Calls <paramref name="rpc"/> with a 5 s deadline; the status and message of its answer.</summary>
    public Task<(StatusCode Status, string Detail)> CallAsync(string rpc, IMessage request) =>
        _caller.CallAsync(rpc, request, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(5)));

    /// <summary>Row counts once the outbox has published what earlier successful cases recorded (it deletes what it sent).</summary>
    public async Task<SortedDictionary<string, long>> SettledRowCountsAsync() =>
        await Waits.UntilAsync(() => TableRowCounts.ReadAsync(_database), counts => counts["public.event_outbox"] == 0, what: "an empty outbox");

    public Task<SortedDictionary<string, long>> RowCountsAsync() => TableRowCounts.ReadAsync(_database);

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        await _host.DisposeAsync();
    }

    private static Limits Limits() => new()
    {
        Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
        MemoryBytes = 256L * 1024 * 1024,
        MaxProcesses = 16,
        MaxOutputBytes = 64 * 1024,
        TmpBytes = 1024 * 1024,
        Network = false,
    };

    private RunRequest Run() => new()
    {
        Script = new ScriptRef { Name = ScriptName, VersionSelector = "1.0.0" },
        ParamsJson = """{"a": 1, "b": 2}""",
        Limits = Limits(),
        BudgetUsd = 1,
        Caller = "sweeper",
        ExecutionId = Guid.NewGuid().ToString(),
        ExpectedContentHash = _contentHash,
    };

    // Two jobs, one by reference and one inline: the cases change the first.
    private static SubmitBatchRequest ItemsBatch()
    {
        var batch = Batch();
        var script = batch.FanOut.Script;
        batch.Items = new BatchItems
        {
            Items =
            {
                new BatchItem { Script = script, ParamsJson = """{"a": 1, "b": 2}""" },
                new BatchItem { Inline = new InlineScript { Name = "inline_sweep", Content = Scripts.Add }, ParamsJson = """{"a": 3, "b": 4}""" },
            },
        };
        return batch;
    }

    private static SubmitBatchRequest Batch() => new()
    {
        FanOut = new BatchFanOut { Script = new ScriptRef { Name = ScriptName, VersionSelector = "1.0.0" }, ParamsJson = { """{"a": 1, "b": 2}""" } },
        Limits = Limits(),
        BudgetUsd = 1,
        Caller = "sweeper",
        BatchId = Guid.NewGuid().ToString(),
        Label = "swept",
    };
}
