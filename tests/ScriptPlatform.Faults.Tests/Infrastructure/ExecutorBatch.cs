using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Grpc;

namespace ScriptPlatform.Faults.Tests.Infrastructure;

/// <summary>What the execution log holds for a batch, job by job (by batch index).</summary>
public sealed record BatchAudit(
    int Expected, int Rows, int Duplicates, int Missing, int Unfinished, int NotSucceeded, int WrongResults, int RanAgain,
    IReadOnlyDictionary<string, int> ByWorker)
{
    /// <summary>
    /// Every batch index has exactly one row (no loss, no duplicate), finished, succeeded with its own result, and the
    /// rows were recorded by exactly <paramref name="workers"/>, each of which recorded some.
    /// </summary>
    public void AssertEveryJobRecordedOnceBy(params string[] workers)
    {
        Assert.Equal(0, Duplicates);
        Assert.Equal(0, Missing);
        Assert.Equal(Expected, Rows);
        Assert.Equal(0, Unfinished);
        Assert.Equal(0, NotSucceeded);
        Assert.Equal(0, WrongResults);
        Assert.Equal(workers.Order().ToArray(), ByWorker.Keys.Order().ToArray());
        Assert.All(workers, w => Assert.True(ByWorker[w] > 0, ToString()));
    }

    public override string ToString() =>
        $"jobs {Expected}, rows {Rows}, duplicates {Duplicates}, lost {Missing}, unfinished {Unfinished}, not succeeded {NotSucceeded}, " +
        $"wrong results {WrongResults}, run again after a fault {RanAgain}, by worker: {string.Join(", ", ByWorker.Select(w => $"{w.Key}={w.Value}"))}";
}

/// <summary>
/// A batch of trivial jobs (job i returns i + 1) submitted to a real Executor API process, watched through the
/// execution table and audited there: every batch index once, finished, with its own right result.
/// </summary>
public sealed class ExecutorBatch
{
    private const string Script = """
        def execute(params):
            return {"status": "success", "data": {"sum": params["a"] + params["b"]}, "metadata": {"rows_processed": 1}}
        """;

    private readonly string _database;

    private ExecutorBatch(string database, Guid id, int jobs) => (_database, Id, Jobs) = (database, id, jobs);

    public Guid Id { get; }

    public int Jobs { get; }

    /// <summary>The configuration of one Executor process (API or worker) of a test platform.</summary>
    public static Dictionary<string, string> Settings(string database, string rabbitMq, string queuePrefix, string role, string workerId, int baseUid) => new()
    {
        ["ConnectionStrings:postgres"] = database,
        ["ConnectionStrings:rabbitmq"] = rabbitMq,
        ["ScriptPlatform:Executor:Role"] = role,
        ["ScriptPlatform:Executor:WorkerId"] = workerId,
        ["ScriptPlatform:Executor:QueuePrefix"] = queuePrefix,
        // These platforms have no Registry (inline jobs only), so no key can be checked: runs are anonymous.
        ["ScriptPlatform:Executor:AllowAnonymousRuns"] = "true",
        // Short enough that a test sees the sweeps work, long enough not to load the machine.
        ["ScriptPlatform:Executor:RecoveryInterval"] = "00:00:05",
        ["ScriptPlatform:Executor:DispatchGrace"] = "00:00:15",
        ["ScriptPlatform:Sandbox:Slots"] = "2",
        ["ScriptPlatform:Sandbox:BaseUid"] = baseUid.ToString(CultureInfo.InvariantCulture),
        // A fixed folder: a SIGKILLed worker cannot remove a temporary one.
        ["ScriptPlatform:Sandbox:WorkDirectory"] = Path.Combine(Path.GetTempPath(), "scriptplatform-fault-tests"),
    };

    public static async Task<ExecutorBatch> SubmitAsync(Uri api, string database, int jobs)
    {
        using var channel = PlatformGrpcClients.CreateChannel(api);
        var client = new ExecutorService.ExecutorServiceClient(channel);
        var request = new SubmitBatchRequest
        {
            Label = "faults",
            FanOut = new BatchFanOut
            {
                Inline = new InlineScript { Content = Script },
                ParamsJson = { Enumerable.Range(0, jobs).Select(i => $$"""{"a": {{i}}, "b": 1}""") },
            },
        };
        var response = await client.SubmitBatchAsync(request, deadline: DateTime.UtcNow.AddMinutes(5));
        return new ExecutorBatch(database, Guid.Parse(response.BatchId), jobs);
    }

    /// <summary>Jobs of the batch in a final status.</summary>
    public async Task<int> FinishedAsync() =>
        (int)(long)(await ScalarAsync("SELECT count(*) FROM executions WHERE batch_id = @b AND status NOT IN (7, 8)"))!;

    /// <summary>Finished jobs recorded by <paramref name="workerId"/>.</summary>
    public async Task<int> FinishedByAsync(string workerId) =>
        (int)(long)(await ScalarAsync("SELECT count(*) FROM executions WHERE batch_id = @b AND status NOT IN (7, 8) AND worker_id = @w", workerId))!;

    /// <summary>Waits until <paramref name="condition"/> holds, failing with <paramref name="what"/> after the batch timeout.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, IEnumerable<ServiceProcess> services)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > FaultSize.BatchTimeout)
            {
                throw new TimeoutException($"waited {FaultSize.BatchTimeout} for {what}\n" +
                    string.Join('\n', services.Select(s => $"--- {s.Name} (exited: {s.HasExited})\n{s.Log}")));
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Whether the batch row says it is complete (no job remaining, a finish time).</summary>
    public async Task<bool> CompletedAsync() =>
        (bool)(await ScalarAsync("SELECT remaining = 0 AND finished_at IS NOT NULL FROM batches WHERE id = @b"))!;

    public async Task<BatchAudit> AuditAsync()
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT batch_index, status, data_json, worker_id, attempts FROM executions WHERE batch_id = @b", connection);
        command.Parameters.AddWithValue("b", Id);
        var seen = new Dictionary<int, int>();
        var byWorker = new Dictionary<string, int>();
        int rows = 0, unfinished = 0, notSucceeded = 0, wrong = 0, ranAgain = 0;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows++;
                var index = reader.GetInt32(0);
                var status = (ExecutionStatus)reader.GetInt16(1);
                seen[index] = seen.GetValueOrDefault(index) + 1;
                unfinished += status is ExecutionStatus.Queued or ExecutionStatus.Running ? 1 : 0;
                notSucceeded += status == ExecutionStatus.Success ? 0 : 1;
                if (status == ExecutionStatus.Success && !RightResult(reader.GetString(2), index))
                {
                    wrong++;
                }

                var worker = reader.GetString(3);
                byWorker[worker] = byWorker.GetValueOrDefault(worker) + 1;
                ranAgain += reader.GetInt32(4) > 1 ? 1 : 0;
            }
        }

        var duplicates = seen.Values.Sum(n => n - 1);
        var missing = Enumerable.Range(0, Jobs).Count(i => !seen.ContainsKey(i));
        return new BatchAudit(Jobs, rows, duplicates, missing, unfinished, notSucceeded, wrong, ranAgain, byWorker);
    }

    private static bool RightResult(string dataJson, int index)
    {
        using var data = JsonDocument.Parse(dataJson);
        return data.RootElement.GetProperty("sum").GetInt32() == index + 1;
    }

    private async Task<object?> ScalarAsync(string sql, string? worker = null)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("b", Id);
        if (worker is not null)
        {
            command.Parameters.AddWithValue("w", worker);
        }

        return await command.ExecuteScalarAsync();
    }
}
