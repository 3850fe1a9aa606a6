using System.Diagnostics;

namespace ScriptPlatform.Sandbox.Tests.Bubblewrap;

/// <summary>Bad input gets a clear status, never a hang.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const string Echo = "def execute(params):\n    return params\n";
    private readonly ScriptSandbox _sandbox = TestSandboxes.Create(slots: 2);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        TestSandboxes.AssertNoProcessLeft(_sandbox);
    }

    [Theory]
    [InlineData("[1, 2]", "params must be a JSON object, not array")]
    [InlineData("\"text\"", "params must be a JSON object, not string")]
    [InlineData("{\"a\": ", "params are not valid JSON")]
    [InlineData("", "params are not valid JSON")]
    public async Task Params_that_are_not_a_json_object_are_invalid(string paramsJson, string message)
    {
        var result = await RunAsync(Echo, paramsJson);

        Assert.Equal(SandboxStatus.Invalid, result.Status);
        Assert.Equal("invalid_params", result.Error!.Type);
        Assert.StartsWith(message, result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Params_over_1_MiB_are_invalid()
    {
        var result = await RunAsync(Echo, $$"""{"blob": "{{new string('x', ScriptSandbox.MaxParamsBytes)}}"}""");

        Assert.Equal(SandboxStatus.Invalid, result.Status);
        Assert.Contains("exceed", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Params_just_under_1_MiB_are_passed_through()
    {
        var blob = new string('x', ScriptSandbox.MaxParamsBytes - 100);

        var result = await RunAsync("def execute(params):\n    return len(params['blob'])\n", $$"""{"blob": "{{blob}}"}""");

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.Equal(blob.Length, result.Data!.Value.GetInt32());
    }

    [Theory]
    [InlineData("return {'data': {1, 2}}", "set")]
    [InlineData("return {'data': float('nan')}", "Out of range float")]
    [InlineData("return object()", "object")]
    [InlineData("return {'data': chr(0xD800)}", "lone UTF-16 surrogate")]
    [InlineData("x = []\n    for _ in range(100): x = [x]\n    return x", "depth")]
    [InlineData("import os\n    os.write(3, b'not json')\n    os._exit(0)", "cannot be read")]
    public async Task A_result_that_is_not_json_serialisable_is_invalid(string body, string mentions)
    {
        var result = await RunAsync($"def execute(params):\n    {body}\n");

        Assert.Equal(SandboxStatus.Invalid, result.Status);
        Assert.Equal("result_not_serialisable", result.Error!.Type);
        Assert.Contains(mentions, result.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("b'{\"outcome\": 1}'", "no outcome")]
    [InlineData("b'[1]'", "no outcome")]
    [InlineData("b'{\"outcome\": \"error\", \"error\": [1]}'", null)]
    public async Task A_result_frame_forged_by_the_script_is_reported_not_thrown(string frame, string? mentions)
    {
        var result = await RunAsync($"import os\ndef execute(params):\n    os.write(3, {frame})\n    os._exit(0)\n");

        Assert.Equal(SandboxStatus.Error, result.Status);
        if (mentions is not null)
        {
            Assert.Equal("sandbox_protocol", result.Error!.Type);
            Assert.Contains(mentions, result.Error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("[1]", result.Error!.Message);
        }
    }

    [Fact]
    public async Task Metadata_of_the_wrong_kinds_is_ignored_not_fatal()
    {
        var result = await RunAsync("def execute(params):\n    return {'status': 'success', 'data': 1, 'metadata': {'cost': 'free', 'rows_processed': '5', 'units': []}}\n");

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.Null(result.RowsProcessed);
        Assert.Null(result.Cost);
    }

    [Fact]
    public async Task A_cost_beyond_decimals_range_is_no_cost_not_a_failure()
    {
        const string script = """
            # /// script
            # [tool.scriptplatform]
            # cost_per_unit = 2
            # ///
            def execute(params):
                return {'status': 'success', 'data': 1, 'metadata': {'units': 5e28}}
            """;

        var result = await RunAsync(script);

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.Null(result.Cost);
    }

    [Fact]
    public async Task An_exception_message_with_a_lone_surrogate_is_an_error_with_the_escaped_text()
    {
        var result = await RunAsync("def execute(params):\n    raise ValueError('bad ' + chr(0xD800))\n");

        Assert.Equal(SandboxStatus.Error, result.Status);
        Assert.Equal("ValueError", result.Error!.Type);
        Assert.Equal("bad \\ud800", result.Error.Message);
    }

    [Fact]
    public async Task Params_python_cannot_decode_are_invalid_and_the_warm_worker_keeps_serving()
    {
        // Valid JSON (the host accepts it) that Python refuses: more than 4,300 digits in one integer.
        var huge = $$"""{"n": {{new string('7', 5000)}}}""";
        var job = TestSandboxes.Job(Echo, huge) with { Warm = true };

        var refused = await _sandbox.RunAsync(job, TestContext.Current.CancellationToken);
        var next = await _sandbox.RunAsync(job with { ParamsJson = """{"n": 1}""" }, TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Invalid, refused.Status);
        Assert.Equal("invalid_params", refused.Error!.Type);
        Assert.Contains("cannot be decoded by Python", refused.Error.Message, StringComparison.Ordinal);
        Assert.Equal(SandboxStatus.Success, next.Status);
        Assert.Equal(1, next.Data!.Value.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task A_script_without_execute_or_main_is_invalid()
    {
        var result = await RunAsync("def run(params):\n    return 1\n");

        Assert.Equal(SandboxStatus.Invalid, result.Status);
        Assert.Equal("no_entry_point", result.Error!.Type);
    }

    [Fact]
    public async Task A_syntax_error_is_invalid_and_names_the_line()
    {
        var result = await RunAsync("def execute(params):\n    return 1\n\ndef broken(:\n    pass\n");

        Assert.Equal(SandboxStatus.Invalid, result.Status);
        Assert.Equal("syntax_error", result.Error!.Type);
        Assert.Contains("line 4", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_declared_dependency_is_invalid_and_named()
    {
        const string script = """
            # /// script
            # dependencies = ["json5-not-installed>=1.0", "requests"]
            # ///
            def execute(params):
                return 1
            """;

        var result = await RunAsync(script);

        Assert.Equal(SandboxStatus.Invalid, result.Status);
        Assert.Equal("missing_dependency", result.Error!.Type);
        Assert.Contains("json5_not_installed", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_installed_declared_dependency_is_importable()
    {
        const string script = """
            # /// script
            # dependencies = ["seccomp"]
            # ///
            import seccomp
            def execute(params):
                return "imported"
            """;

        var result = await RunAsync(script);

        Assert.Equal(SandboxStatus.Success, result.Status);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(double.NaN)]
    [InlineData(1e12)]
    public async Task A_negative_zero_or_absurd_requested_timeout_is_invalid(double seconds)
    {
        var result = await _sandbox.RunAsync(TestSandboxes.Job(Echo, timeoutSeconds: seconds), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Invalid, result.Status);
        Assert.Equal("invalid_limits", result.Error!.Type);
    }

    [Fact]
    public async Task A_negative_declared_timeout_is_invalid_metadata()
    {
        var result = await RunAsync("# /// script\n# [tool.scriptplatform]\n# timeout = -5\n# ///\n" + Echo);

        Assert.Equal(SandboxStatus.Invalid, result.Status);
        Assert.Equal("invalid_metadata", result.Error!.Type);
    }

    [Fact]
    public async Task A_script_that_hangs_while_imported_times_out()
    {
        var result = await _sandbox.RunAsync(TestSandboxes.Job("while True:\n    pass\n", timeoutSeconds: 1), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Timeout, result.Status);
    }

    [Fact]
    public async Task A_script_that_raises_while_imported_is_an_error()
    {
        var result = await RunAsync("import no_such_module_anywhere\n" + Echo);

        Assert.Equal(SandboxStatus.Error, result.Status);
        Assert.Equal("ModuleNotFoundError", result.Error!.Type);
    }

    [Fact]
    public async Task A_script_that_exits_is_an_error_not_a_hang()
    {
        var result = await RunAsync("import os\ndef execute(params):\n    os._exit(3)\n");

        Assert.Equal(SandboxStatus.Error, result.Status);
        Assert.Contains("code 3", result.Error!.Message, StringComparison.Ordinal);
    }

    private async Task<SandboxResult> RunAsync(string script, string paramsJson = "{}")
    {
        var clock = Stopwatch.StartNew();
        var result = await _sandbox.RunAsync(TestSandboxes.Job(script, paramsJson), TestContext.Current.CancellationToken);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        return result;
    }
}
