using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ScriptPlatform.Sandbox.Tests.Bubblewrap;

public sealed class ScriptRunTests : IAsyncLifetime
{
    private readonly ScriptSandbox _sandbox = TestSandboxes.Create(slots: 2);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Execute_returns_data_metadata_rows_processed_cost_and_separate_stdout_and_stderr()
    {
        const string script = """
            # /// script
            # [tool.scriptplatform]
            # cost_per_unit = 0.5
            # cost_unit = "row"
            # ///
            import sys
            def execute(params):
                print("adding", params["a"], params["b"])
                print("careful", file=sys.stderr)
                return {"status": "success", "data": {"sum": params["a"] + params["b"]}, "metadata": {"rows_processed": 4}}
            """;

        var result = await _sandbox.RunAsync(TestSandboxes.Job(script, """{"a": 2, "b": 3}"""), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.Equal(5, result.Data!.Value.GetProperty("sum").GetInt32());
        Assert.Equal(4, result.RowsProcessed);
        Assert.Equal(2.0m, result.Cost);
        Assert.Equal("row", result.CostUnit);
        Assert.Equal("adding 2 3\n", result.Stdout);
        Assert.Equal("careful\n", result.Stderr);
        TestSandboxes.AssertNoProcessLeft(_sandbox);
    }

    [Fact]
    public async Task Async_execute_is_awaited()
    {
        const string script = """
            import asyncio
            async def execute(params):
                await asyncio.sleep(0.01)
                return {"status": "success", "data": "awaited"}
            """;

        var result = await _sandbox.RunAsync(TestSandboxes.Job(script), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.Equal("awaited", result.Data!.Value.GetString());
    }

    [Fact]
    public async Task Threads_and_child_processes_work_inside_the_sandbox()
    {
        const string script = """
            import subprocess, sys
            from concurrent.futures import ThreadPoolExecutor
            def execute(params):
                with ThreadPoolExecutor(4) as pool:
                    squares = list(pool.map(lambda n: n * n, range(5)))
                child = subprocess.run([sys.executable, "-c", "print('from child')"], capture_output=True, text=True, check=True)
                return {"squares": squares, "child": child.stdout.strip()}
            """;

        var result = await _sandbox.RunAsync(TestSandboxes.Job(script), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.Equal("from child", result.Data!.Value.GetProperty("child").GetString());
        Assert.Equal([0, 1, 4, 9, 16], result.Data.Value.GetProperty("squares").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task Main_params_is_used_when_there_is_no_execute()
    {
        var result = await _sandbox.RunAsync(TestSandboxes.Job("def main(params):\n    return params['x'] * 2\n", """{"x": 21}"""), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.Equal(42, result.Data!.Value.GetInt32());
    }


    [Fact]
    public async Task Params_and_results_cross_the_harness_exactly_as_the_json_module_would_encode_them()
    {
        // The harness drives json's C accelerator itself (see runner.py): the script must see the same
        // values, and the caller get the same JSON, as json.loads/json.dumps would give.
        const string script = """
            import json

            def execute(params):
                value = {"echo": params, "tuple": (1, 2), "keys": {1: "int", 2.5: "float", None: "none", False: "bool"},
                         "big": 2 ** 80, "float": 0.1, "text": "é ✓ \"quoted\"\n", "empty": [{}, []]}
                return {"data": {"value": value, "same_as_json_module": json.dumps(value)}}
            """;
        const string paramsJson = """{"name": "Zoë 🙂", "n": -12.5e3, "nested": {"list": [true, false, null]}, "big": 123456789012345678901234567890}""";

        var result = await _sandbox.RunAsync(TestSandboxes.Job(script, paramsJson), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Success, result.Status);
        var data = result.Data!.Value;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(data.GetProperty("same_as_json_module").GetString()!), JsonNode.Parse(data.GetProperty("value").GetRawText())));
        var echo = data.GetProperty("value").GetProperty("echo");
        Assert.Equal("Zoë 🙂", echo.GetProperty("name").GetString());
        Assert.Equal(-12500.0, echo.GetProperty("n").GetDouble());
        Assert.Equal("123456789012345678901234567890", echo.GetProperty("big").GetRawText());
        Assert.Equal(JsonValueKind.Null, echo.GetProperty("nested").GetProperty("list")[2].ValueKind);
        var keys = data.GetProperty("value").GetProperty("keys");
        Assert.Equal(["1", "2.5", "null", "false"], keys.EnumerateObject().Select(p => p.Name));
        Assert.Equal("é ✓ \"quoted\"\n", data.GetProperty("value").GetProperty("text").GetString());
    }
    [Fact]
    public async Task A_raised_exception_is_an_error_with_type_message_and_a_traceback_of_the_script()
    {
        const string script = """
            def helper(n):
                raise ValueError(f"bad value {n}")

            def execute(params):
                return helper(7)
            """;

        var result = await _sandbox.RunAsync(TestSandboxes.Job(script), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Error, result.Status);
        Assert.Equal("ValueError", result.Error!.Type);
        Assert.Equal("bad value 7", result.Error.Message);
        Assert.Contains("raise ValueError(f\"bad value {n}\")", result.Error.Traceback, StringComparison.Ordinal);
        Assert.DoesNotContain("runner.py", result.Error.Traceback, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_returned_error_status_is_an_error_with_the_scripts_message()
    {
        var result = await _sandbox.RunAsync(
            TestSandboxes.Job("def execute(params):\n    return {'status': 'error', 'error': 'quota reached', 'data': None}\n"),
            TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Error, result.Status);
        Assert.Equal("quota reached", result.Error!.Message);
    }

    [Fact]
    public async Task Output_lines_reach_the_callback_while_the_job_is_still_running()
    {
        const string script = """
            import time
            def execute(params):
                print("first")
                time.sleep(0.6)
                print("second")
                return {}
            """;
        var seen = new ConcurrentQueue<(OutputLine Line, long At)>();
        var clock = Stopwatch.StartNew();
        var job = TestSandboxes.Job(script) with { OnOutput = line => seen.Enqueue((line, clock.ElapsedMilliseconds)) };

        var result = await _sandbox.RunAsync(job, TestContext.Current.CancellationToken);
        var finishedAt = clock.ElapsedMilliseconds;

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.Equal(["first", "second"], seen.Select(s => s.Line.Text));
        Assert.True(finishedAt - seen.First().At >= 400, $"first line arrived at {seen.First().At} ms, job ended at {finishedAt} ms");
    }

    [Fact]
    public async Task Cancelling_kills_the_job_and_reports_cancelled()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        var result = await _sandbox.RunAsync(TestSandboxes.Job("import time\ndef execute(params):\n    time.sleep(60)\n"), cts.Token);

        Assert.Equal(SandboxStatus.Cancelled, result.Status);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 3);
        TestSandboxes.AssertNoProcessLeft(_sandbox);
    }

    [Fact]
    public async Task Jobs_beyond_the_slot_count_wait_for_a_free_slot()
    {
        const string script = "import time\ndef execute(params):\n    time.sleep(0.3)\n    return params['i']\n";

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            _sandbox.RunAsync(TestSandboxes.Job(script, $$"""{"i": {{i}}}"""), TestContext.Current.CancellationToken)));

        Assert.All(results, r => Assert.Equal(SandboxStatus.Success, r.Status));
        Assert.Equal([0, 1, 2, 3, 4], results.Select(r => r.Data!.Value.GetInt32()));
    }
}
