using Grpc.Core;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Generation.Tests;

/// <summary>Generate against a scripted OpenAI-compatible model: the real SDK, the real validator and sandbox.</summary>
public sealed class GenerateTests : IAsyncLifetime
{
    private ScriptedModelServer _model = null!;
    private GenerationHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _model = await ScriptedModelServer.StartAsync();
        _host = await GenerationHost.WithModelAsync(_model);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _model.DisposeAsync();
    }

    private Task<GenerateResponse> GenerateAsync(string description = "a math addition script", string example = Replies.Example, int maxRepairs = 0) =>
        _host.Client.GenerateAsync(new GenerateRequest { Description = description, ExampleParamsJson = example, MaxRepairs = maxRepairs },
            deadline: DateTime.UtcNow.AddSeconds(60)).ResponseAsync;

    [Fact]
    public async Task Good_code_comes_back_validated_with_its_smoke_run_summary_stem_params_and_usage()
    {
        _model.Enqueue(ScriptedReply.Text(Replies.Fenced(Replies.AdditionScript)));

        var response = await GenerateAsync();

        Assert.Equal(Replies.AdditionScript + "\n", response.Content);
        Assert.True(response.Validation.Ok, response.Validation.ToString());
        Assert.True(response.Validation.Compiles);
        Assert.True(response.Validation.HasEntryPoint);
        Assert.True(response.Validation.ImportsAvailable);
        Assert.True(response.Validation.SmokeRun.Ran);
        Assert.Equal("success", response.Validation.SmokeRun.Status);
        Assert.Equal("""{"sum": 5}""", response.Validation.SmokeRun.DataJson);
        Assert.Equal("Adds two numbers and returns their sum.", response.Summary);
        Assert.Equal(("math", "addition", "math_addition"), (response.Category, response.Task, response.NameStem));
        Assert.Equal(["a", "b"], response.Params.Select(p => p.Name));
        Assert.All(response.Params, p => Assert.True(p.Required));
        Assert.Equal(GenerationSource.Model, response.Source);
        Assert.False(response.Scaffold);
        Assert.Equal("scripted-drafter", response.Model);
        Assert.Equal(1, response.Attempts);
        Assert.Equal(RefineStatus.NotConfigured, response.Refine);
        Assert.Empty(response.CapabilityWarnings);

        // Tokens as the endpoint reported them; cost from the configured prices (2 and 10 USD per million).
        var call = Assert.Single(response.Usage.Calls);
        Assert.Equal(("draft", ScriptedModelServer.PromptTokens, ScriptedModelServer.CompletionTokens), (call.Purpose, (int)call.InputTokens, (int)call.OutputTokens));
        Assert.Equal(((120 * 2.0) + (80 * 10.0)) / 1_000_000, response.Usage.CostUsd, 12);
    }

    [Fact]
    public async Task A_syntax_error_goes_back_to_the_model_with_the_compilers_message_and_the_fix_is_returned()
    {
        _model.Enqueue(ScriptedReply.Text(Replies.Fenced(Replies.SyntaxError)), ScriptedReply.Text(Replies.Fenced(Replies.AdditionScript)));

        var response = await GenerateAsync();

        Assert.True(response.Validation.Ok);
        Assert.Equal(2, response.Attempts);
        Assert.Equal(["draft", "repair"], response.Usage.Calls.Select(c => c.Purpose));
        var repair = _model.Messages(1);
        Assert.Equal("assistant", repair[^2].Role);
        Assert.Contains("does not compile", repair[^1].Content, StringComparison.Ordinal);
        Assert.Contains("line 12", repair[^1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_inside_prose_without_fences_is_found()
    {
        _model.Enqueue(ScriptedReply.Text($"Sure! Here is the script you asked for:\n\n{Replies.AdditionScript}\n\nThis script adds two numbers. Let me know if you need more."));

        var response = await GenerateAsync();

        Assert.Equal(Replies.AdditionScript + "\n", response.Content);
        Assert.Equal(1, response.Attempts);
    }

    [Fact]
    public async Task Of_several_blocks_the_one_defining_execute_is_taken()
    {
        _model.Enqueue(ScriptedReply.Text(
            $"Install nothing:\n```bash\npython3 --version\n```\nThe script:\n{Replies.Fenced(Replies.AdditionScript, "py")}\nTry it:\n```python\nprint(execute({{\"a\": 1, \"b\": 2}}))\n```\n"));

        var response = await GenerateAsync();

        Assert.Equal(Replies.AdditionScript + "\n", response.Content);
    }

    [Fact]
    public async Task A_429_is_retried_with_backoff_by_the_sdk_and_the_call_succeeds()
    {
        _model.Enqueue(ScriptedReply.Http(429, retryAfter: "0"), ScriptedReply.Http(503), ScriptedReply.Text(Replies.Fenced(Replies.AdditionScript)));

        var response = await GenerateAsync();

        Assert.True(response.Validation.Ok);
        Assert.Equal(3, _model.ChatRequests.Count);
        Assert.Single(response.Usage.Calls); // one logical call; the retries are the SDK's
    }

    [Fact]
    public async Task Rate_limiting_that_outlasts_the_retries_is_resource_exhausted()
    {
        _model.Default = ScriptedReply.Http(429, retryAfter: "0");

        var error = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync());

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("(HTTP 429) after 3 attempt(s)", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_that_does_not_answer_in_time_is_deadline_exceeded_after_its_retries()
    {
        await using var slow = await ScriptedModelServer.StartAsync();
        slow.Default = new ScriptedReply(Replies.Fenced(Replies.AdditionScript), Delay: TimeSpan.FromSeconds(30));
        await using var host = await GenerationHost.WithModelAsync(slow, settings: new Dictionary<string, string?>
        {
            ["ScriptPlatform:Generation:Drafting:TimeoutSeconds"] = "0.5",
            ["ScriptPlatform:Generation:Drafting:MaxRetries"] = "1",
        });

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Client.GenerateAsync(
            new GenerateRequest { Description = "a math addition script" }, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.True(error.StatusCode == StatusCode.DeadlineExceeded, error.Status.Detail);
        Assert.Contains("did not answer within 0.5 s (2 attempt(s))", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2, slow.ChatRequests.Count);
    }

    [Fact]
    public async Task Garbage_replies_exhaust_the_bounded_repairs_and_fail_with_the_last_error()
    {
        _model.Default = ScriptedReply.Text("lorem ipsum dolor sit amet, consectetur adipiscing elit");

        var error = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync());

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("failed validation 3 time(s) (2 repair attempt(s))", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("the reply holds no Python code", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(3, _model.ChatRequests.Count); // default 2 repairs: never more
    }

    [Fact]
    public async Task A_body_that_is_not_a_chat_completion_is_unavailable()
    {
        _model.Enqueue(new ScriptedReply(RawBody: "<html>502 bad gateway</html>"));

        var error = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("not an OpenAI chat completion", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_absent_import_is_sent_back_and_the_repaired_script_is_returned()
    {
        _model.Enqueue(ScriptedReply.Text(Replies.Fenced(Replies.AbsentImport)), ScriptedReply.Text(Replies.Fenced(Replies.AdditionScript)));

        var response = await GenerateAsync();

        Assert.Equal(2, response.Attempts);
        Assert.Contains("import leftpad_numbers: not in the standard library and not declared", _model.Messages(1)[^1].Content, StringComparison.Ordinal);
        Assert.DoesNotContain("leftpad_numbers", response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_result_in_the_wrong_shape_fails_the_smoke_run_and_is_repaired()
    {
        _model.Enqueue(ScriptedReply.Text(Replies.Fenced(Replies.WrongShape)), ScriptedReply.Text(Replies.Fenced(Replies.AdditionScript)));

        var response = await GenerateAsync();

        Assert.Equal(2, response.Attempts);
        Assert.Contains("must return a dict with the keys status, data and metadata; it returned 5", _model.Messages(1)[^1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_repair_bound_can_be_lowered_per_request()
    {
        _model.Default = ScriptedReply.Text(Replies.Fenced(Replies.SyntaxError));

        var error = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(maxRepairs: 1));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("does not compile", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2, _model.ChatRequests.Count);
    }

    [Fact]
    public async Task Capability_warnings_come_from_static_inspection()
    {
        var script = Replies.AdditionScript
            .Replace("\"\"\"\n\n\ndef", "\"\"\"\nimport os\nimport subprocess\n\n\ndef", StringComparison.Ordinal)
            .Replace("    return {", "    home = os.environ.get(\"HOME\")\n    if params.get(\"save\"):\n        open(\"out.txt\", \"w\").write(home)\n        subprocess.run([\"true\"])\n    return {", StringComparison.Ordinal);
        _model.Enqueue(ScriptedReply.Text(Replies.Fenced(script)));

        var response = await GenerateAsync();

        Assert.True(response.Validation.Ok, response.Validation.ToString());
        var found = response.CapabilityWarnings.Select(w => (w.Capability, w.Detail)).ToList();
        Assert.Contains((Capability.Subprocess, "import subprocess"), found);
        Assert.Contains((Capability.Environment, "os.environ"), found);
        Assert.Contains((Capability.FileWrite, "open(..., 'w')"), found);
        Assert.All(response.CapabilityWarnings, w => Assert.True(w.Line > 0));
    }
}
