using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Grpc.Core;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.IntegrationTests.Platform;

/// <summary>The app model of the AppHost, end to end (one start for all of these; see <see cref="PlatformFixture"/>).</summary>
[Collection(PlatformCollection.Name)]
public sealed class PlatformTests(PlatformFixture platform)
{
    private const string Script = """"
        """Adds two numbers."""
        # /// script
        # [tool.scriptplatform]
        # category = "math"
        # ///

        def execute(params):
            return {"status": "success", "data": {"sum": params["a"] + params["b"]}}
        """";

    [Fact]
    public async Task Every_resource_of_the_app_model_is_running_and_healthy()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var (name, expected) in platform.Resources)
        {
            var resource = await platform.App.ResourceNotifications.WaitForResourceAsync(name, e => e.Snapshot.State?.Text == expected, ct)
                .WaitAsync(TimeSpan.FromSeconds(30), ct);
            if (expected == KnownResourceStates.Running)
            {
                Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, resource.Snapshot.HealthStatus);
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"platform healthy {platform.StartTime.TotalSeconds:F0} s after the start");
    }

    [Fact]
    public async Task A_published_script_runs_by_name_and_its_registry_stats_count_the_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new CallOptions(headers: platform.Admin, deadline: DateTime.UtcNow.AddMinutes(1), cancellationToken: ct);
        var published = await platform.Registry.PublishAsync(
            new PublishRequest { Name = "math_addition_001", Version = "1.0.0", Content = Script, Changelog = "first" }, options);

        var run = await platform.Executor.RunAsync(new RunRequest
        {
            Script = new ScriptRef { Name = "math_addition_001", VersionSelector = "^1.0" },
            ParamsJson = """{"a": 2, "b": 3}""",
            Caller = "platform-test",
        }, options);

        Assert.True(run.Execution.Status == ExecutionStatus.Success, $"{run.Execution.Status}: {run.Execution.Error} {run.Execution.StderrTail}");
        Assert.Equal(published.Version.ContentHash, run.Execution.ContentHash);
        Assert.Equal(5, JsonDocument.Parse(run.Execution.DataJson).RootElement.GetProperty("sum").GetInt32());
        // The Registry counts the run when it consumes ScriptRunCompleted from RabbitMQ.
        var stats = await Eventually(async () => (await platform.Registry.GetStatsAsync(new GetStatsRequest { Name = "math_addition_001" }, options)).Stats,
            s => s.UsageCount == 1, ct);
        Assert.Equal(1.0, stats.SuccessRate);
    }

    [Fact]
    public async Task A_batch_by_name_is_one_trace_across_executor_rabbitmq_worker_and_registry_in_the_dashboard()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new CallOptions(headers: platform.Admin, deadline: DateTime.UtcNow.AddMinutes(1), cancellationToken: ct);
        await platform.Registry.PublishAsync(new PublishRequest { Name = "math_traced_001", Version = "1.0.0", Content = Script }, options);
        var batch = await platform.Executor.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Script = new ScriptRef { Name = "math_traced_001" }, ParamsJson = { """{"a": 1, "b": 2}""" } },
            Caller = "platform-test",
        }, options);
        await Eventually(async () => (await platform.Executor.GetBatchAsync(new GetBatchRequest { BatchId = batch.BatchId }, options)).Batch,
            b => b.Finished == 1, ct);

        // The dashboard's telemetry API holds what every service exported over OTLP.
        using var http = new HttpClient { BaseAddress = platform.Dashboard };
        var services = await Eventually(async () =>
        {
            var traces = await http.GetFromJsonAsync<JsonElement>("/api/telemetry/traces", ct);
            return ServicesPerTrace(traces).FirstOrDefault(t => t.Value.Contains("executor-worker") && t.Value.Contains("executor") && t.Value.Contains("registry")).Value;
        }, s => s is not null, ct);
        Assert.Superset(new HashSet<string> { "executor", "executor-worker", "registry" }, services!);
    }

    [Fact]
    public async Task The_executor_smoke_run_command_runs_a_script_end_to_end()
    {
        var ct = TestContext.Current.CancellationToken;
        var result = await platform.App.ResourceCommands.ExecuteCommandAsync("executor", "smoke-run", ct);
        Assert.True(result.Success, result.Message);
    }

    /// <summary>Service names (OTLP resource <c>service.name</c>) of each trace id.</summary>
    private static Dictionary<string, HashSet<string>> ServicesPerTrace(JsonElement response)
    {
        var byTrace = new Dictionary<string, HashSet<string>>();
        foreach (var resourceSpans in response.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var service = resourceSpans.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .First(a => a.GetProperty("key").GetString() == "service.name").GetProperty("value").GetProperty("stringValue").GetString()!;
            foreach (var span in resourceSpans.GetProperty("scopeSpans").EnumerateArray().SelectMany(s => s.GetProperty("spans").EnumerateArray()))
            {
                var traceId = span.GetProperty("traceId").GetString()!;
                (byTrace.TryGetValue(traceId, out var set) ? set : byTrace[traceId] = []).Add(service);
            }
        }

        return byTrace;
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> read, Func<T, bool> done, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(500, ct);
        }
    }
}
