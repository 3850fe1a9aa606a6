using Grpc.Core;
using Grpc.Net.Client;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Executor.Tests.Infrastructure;

namespace ScriptPlatform.Executor.Tests;

public sealed class RunTests(Platform platform)
{
    private readonly ExecutorHost _host = platform.Shared;

    [Fact]
    public async Task Synchronous_runs_beyond_the_limit_are_refused_with_RESOURCE_EXHAUSTED_before_anything_is_recorded()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await ExecutorHost.StartAsync(platform, settings: new Dictionary<string, string?> { ["ScriptPlatform:Executor:MaxSynchronousRuns"] = "1" });
        using var first = host.Client.RunStream(Scripts.Inline(Scripts.Sleeps(1.5), caller: "holder"), cancellationToken: ct);
        Assert.True(await first.ResponseStream.MoveNext(ct)); // Started: admitted, and holding the one place

        foreach (var refusedCall in new Func<Task>[]
        {
            () => host.Client.RunAsync(Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}""", caller: "refused"), cancellationToken: ct).ResponseAsync,
            async () => await host.Client.RunStream(Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}""", caller: "refused"), cancellationToken: ct).ResponseStream.MoveNext(ct),
        })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(refusedCall);
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("SubmitBatch", refused.Status.Detail, StringComparison.Ordinal);
        }

        RunStreamEvent? last = null;
        while (await first.ResponseStream.MoveNext(ct))
        {
            last = first.ResponseStream.Current;
        }

        Assert.Equal(ExecutionStatus.Success, last?.Result.Status);
        Assert.Equal(0, (await host.Client.ListExecutionsAsync(new ListExecutionsRequest { Caller = "refused" }, cancellationToken: ct)).Page.TotalSize);
        // The place is given back: the next run is admitted.
        Assert.Equal(ExecutionStatus.Success, (await host.Client.RunAsync(Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}"""), cancellationToken: ct)).Execution.Status);
    }

    [Fact]
    public async Task Run_of_inline_content_returns_the_success_record_and_logs_it()
    {
        var response = await _host.Client.RunAsync(Scripts.Inline(Scripts.Add, """{"a": 2, "b": 3}"""));

        var execution = response.Execution;
        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Equal("""{"sum": 5}""", execution.DataJson.Replace(" ", "", StringComparison.Ordinal).Replace(":", ": ", StringComparison.Ordinal));
        Assert.Equal("inline", execution.ScriptName);
        Assert.Equal(64, execution.ContentHash.Length);
        Assert.Equal(3, execution.RowsProcessed);
        Assert.Equal("tests", execution.Caller);
        Assert.True(execution.Duration.ToTimeSpan() > TimeSpan.Zero);
        Assert.NotNull(execution.FinishedAt);
        var stored = (await _host.Client.GetExecutionAsync(new GetExecutionRequest { Id = execution.Id })).Execution;
        Assert.Equal(execution, stored);
    }

    [Fact]
    public async Task Run_records_a_script_exception_as_ERROR_with_type_and_traceback()
    {
        var execution = (await _host.Client.RunAsync(Scripts.Inline(Scripts.Raises))).Execution;

        Assert.Equal(ExecutionStatus.Error, execution.Status);
        Assert.Equal("ZeroDivisionError", execution.Error.Type);
        Assert.Contains("division", execution.Error.Message, StringComparison.Ordinal);
        Assert.Contains("Traceback", execution.Error.Traceback, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_by_name_loads_the_content_from_the_registry()
    {
        TestRegistry.Publish("math_add_001", "1.0.0", Scripts.Add);
        TestRegistry.Publish("math_add_001", "1.1.0", Scripts.Add + "\n# v1.1\n");

        var latest = (await _host.Client.RunAsync(new RunRequest { Script = new ScriptRef { Name = "math_add_001" }, ParamsJson = """{"a": 1, "b": 1}""" })).Execution;
        var pinned = (await _host.Client.RunAsync(new RunRequest { Script = new ScriptRef { Name = "math_add_001", VersionSelector = "1.0.0" }, ParamsJson = """{"a": 1, "b": 1}""" })).Execution;

        Assert.Equal((ExecutionStatus.Success, "math_add_001", "1.1.0"), (latest.Status, latest.ScriptName, latest.Version));
        Assert.Equal((ExecutionStatus.Success, "1.0.0"), (pinned.Status, pinned.Version));
        Assert.NotEqual(latest.ContentHash, pinned.ContentHash);
    }

    [Fact]
    public async Task Run_of_an_unknown_script_or_version_is_NOT_FOUND()
    {
        TestRegistry.Publish("known_script", "1.0.0", Scripts.Add);

        var script = await Assert.ThrowsAsync<RpcException>(() => _host.Client.RunAsync(new RunRequest { Script = new ScriptRef { Name = "no_such_script" } }).ResponseAsync);
        var version = await Assert.ThrowsAsync<RpcException>(() => _host.Client.RunAsync(new RunRequest { Script = new ScriptRef { Name = "known_script", VersionSelector = "9.9.9" } }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, script.StatusCode);
        Assert.Contains("no_such_script", script.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, version.StatusCode);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("42")]
    [InlineData("{not json")]
    public async Task Run_rejects_params_that_are_not_a_JSON_object_with_INVALID_ARGUMENT(string paramsJson)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.RunAsync(Scripts.Inline(Scripts.Add, paramsJson)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("params_json", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_rejects_params_over_1_MiB_with_RESOURCE_EXHAUSTED_as_the_contract_says()
    {
        var big = $$"""{"blob": "{{new string('x', 1 << 20)}}"}""";

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.RunAsync(Scripts.Inline(Scripts.Add, big)).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("1 MiB", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_without_a_source_or_with_a_bad_name_is_INVALID_ARGUMENT()
    {
        var none = await Assert.ThrowsAsync<RpcException>(() => _host.Client.RunAsync(new RunRequest { ParamsJson = "{}" }).ResponseAsync);
        var badName = await Assert.ThrowsAsync<RpcException>(() => _host.Client.RunAsync(new RunRequest { Script = new ScriptRef { Name = "../etc/passwd" } }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, none.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badName.StatusCode);
    }

    [Fact]
    public async Task Run_costs_cost_per_unit_times_the_count_of_the_cost_unit_param()
    {
        var execution = (await _host.Client.RunAsync(Scripts.Inline(Scripts.PerUrl, """{"urls": ["a", "b", "c"]}"""))).Execution;

        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Equal(0.75, execution.CostUsd, 6);
    }

    [Fact]
    public async Task Run_records_the_cost_a_script_reports_in_its_metadata()
    {
        var execution = (await _host.Client.RunAsync(Scripts.Inline(Scripts.ReportsCost, """{"urls": ["a", "b", "c"]}"""))).Execution;

        Assert.Equal(0.07, execution.CostUsd, 6);
    }

    [Fact]
    public async Task Run_over_budget_is_refused_with_FAILED_PRECONDITION_before_anything_runs()
    {
        var caller = "budget-" + Guid.NewGuid().ToString("N");
        var request = Scripts.Inline(Scripts.PerUrl, """{"urls": ["a", "b", "c", "d"]}""", caller);
        request.BudgetUsd = 0.5;

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.RunAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("budget", error.Status.Detail, StringComparison.Ordinal);
        var logged = await _host.Client.ListExecutionsAsync(new ListExecutionsRequest { Caller = caller });
        Assert.Empty(logged.Executions);
    }

    [Fact]
    public async Task Run_retried_with_the_same_execution_id_returns_the_same_record()
    {
        var request = Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}""");
        request.ExecutionId = Guid.NewGuid().ToString();

        var first = (await _host.Client.RunAsync(request)).Execution;
        var second = (await _host.Client.RunAsync(request)).Execution;

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Run_with_a_lockfile_hash_that_does_not_match_is_FAILED_PRECONDITION()
    {
        var request = Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}""");
        request.ExpectedContentHash = new string('0', 64);

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.RunAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task Run_publishes_ScriptRunCompleted_once_for_the_finished_run()
    {
        var execution = (await _host.Client.RunAsync(Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}"""))).Execution;

        var events = await _host.Events.RunsOfAsync(Guid.Parse(execution.Id));
        await Task.Delay(300, TestContext.Current.CancellationToken);

        var completed = Assert.Single(_host.Events.Runs, r => r.ExecutionId == Guid.Parse(execution.Id));
        Assert.NotEmpty(events);
        Assert.Equal(ExecutionStatus.Success, completed.Status);
        Assert.Equal(execution.ContentHash, completed.ContentHash);
        Assert.Null(completed.Version);
    }

    [Fact]
    public async Task RunStream_sends_started_then_each_output_line_then_the_result()
    {
        var events = new List<RunStreamEvent>();
        await foreach (var e in _host.Client.RunStream(Scripts.Inline(Scripts.Chatty)).ResponseStream.ReadAllAsync())
        {
            events.Add(e);
        }

        Assert.Equal(RunStreamEvent.EventOneofCase.Started, events[0].EventCase);
        Assert.Equal(RunStreamEvent.EventOneofCase.Result, events[^1].EventCase);
        var lines = events.Where(e => e.EventCase == RunStreamEvent.EventOneofCase.Log).Select(e => e.Log).ToList();
        Assert.Equal(["line 0", "line 1", "line 2"], lines.Where(l => l.Stream == LogStream.Stdout).Select(l => l.Text));
        Assert.Contains(lines, l => l.Stream == LogStream.Stderr && l.Text == "oops");
        Assert.Equal(Enumerable.Range(1, lines.Count).Select(i => (long)i), lines.Select(l => l.Sequence));
        Assert.Equal(ExecutionStatus.Success, events[^1].Result.Status);
        Assert.Equal(events[0].Started.ExecutionId, events[^1].Result.Id);
    }

    [Fact]
    public async Task ListExecutions_filters_by_script_status_and_caller_newest_first_and_pages()
    {
        var caller = "list-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < 3; i++)
        {
            await _host.Client.RunAsync(Scripts.Inline(Scripts.Add, $$"""{"a": {{i}}, "b": 0}""", caller));
        }

        await _host.Client.RunAsync(Scripts.Inline(Scripts.Raises, "{}", caller));

        var successes = await _host.Client.ListExecutionsAsync(new ListExecutionsRequest
        {
            Caller = caller,
            ScriptName = "inline",
            Statuses = { ExecutionStatus.Success },
            Page = new PageRequest { PageSize = 2 },
        });
        var rest = await _host.Client.ListExecutionsAsync(new ListExecutionsRequest
        {
            Caller = caller,
            Statuses = { ExecutionStatus.Success },
            Page = new PageRequest { PageSize = 2, PageToken = successes.Page.NextPageToken },
        });

        Assert.Equal(3, successes.Page.TotalSize);
        Assert.Equal(2, successes.Executions.Count);
        Assert.Single(rest.Executions);
        Assert.Equal("", rest.Page.NextPageToken);
        var all = successes.Executions.Concat(rest.Executions).ToList();
        Assert.Equal(all.OrderByDescending(e => e.CreatedAt.ToDateTime()).Select(e => e.Id), all.Select(e => e.Id));
        var firstCreated = all.Min(e => e.CreatedAt.ToDateTimeOffset());
        var window = await _host.Client.ListExecutionsAsync(new ListExecutionsRequest
        {
            Caller = caller,
            CreatedAfter = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(firstCreated.AddTicks(10)),
            CreatedBefore = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(1)),
        });
        Assert.Equal(3, window.Executions.Count);
    }
}
