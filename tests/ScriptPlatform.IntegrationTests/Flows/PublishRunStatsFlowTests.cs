using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Registry.V1;
using Grpc.Core;
using Grpc.Net.Client;
using ScriptPlatform.IntegrationTests.Foundation;

namespace ScriptPlatform.IntegrationTests.Flows;

/// <summary>
/// The platform as `./build.sh up` runs it (AppHost, real Postgres and RabbitMQ, Registry and Executor
/// processes): a script published to the Registry runs by name through the Executor, and the
/// Registry's stats learn of the run through the ScriptRunCompleted event.
/// </summary>
public sealed class PublishRunStatsFlowTests
{
    private const string Script = """"
        # /// script
        # [tool.scriptplatform]
        # category = "math"
        # description = "Adds two numbers"
        # ///
        """Adds a and b."""

        def execute(params):
            return {"status": "success", "data": {"sum": params["a"] + params["b"]}, "metadata": {"rows_processed": 1}}
        """";

    [Fact]
    public async Task A_published_script_runs_by_name_and_its_registry_stats_count_the_run()
    {
        var ct = TestContext.Current.CancellationToken;
        int registryPort = AppHostRun.FreePort(), executorPort = AppHostRun.FreePort();
        await using var platform = await AppHostRun.StartAsync(ct, new Dictionary<string, string>
        {
            ["AppHost__InfrastructureOnly"] = "false",
            ["AppHost__Services__registry__Port"] = registryPort.ToString(CultureInfo.InvariantCulture),
            ["AppHost__Services__executor__Port"] = executorPort.ToString(CultureInfo.InvariantCulture),
            ["AppHost__Services__intent__Enabled"] = "false",
            ["AppHost__Services__generation__Enabled"] = "false",
        });
        var adminKey = await CreateAdminKeyAsync(platform.Output, ct);
        var auth = new Metadata { { "authorization", "Bearer " + adminKey } };

        using var registryChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{registryPort}");
        using var executorChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{executorPort}");
        var registry = new RegistryService.RegistryServiceClient(registryChannel);
        var executor = new ExecutorService.ExecutorServiceClient(executorChannel);

        var published = await registry.PublishAsync(new PublishRequest
        {
            Name = "math_addition_001", Version = "1.0.0", Content = Script, Changelog = "first",
        }, new CallOptions(headers: auth, cancellationToken: ct));
        Assert.Equal("1.0.0", published.Version.Version);

        var run = await executor.RunAsync(new RunRequest
        {
            Script = new ScriptRef { Name = "math_addition_001", VersionSelector = "^1.0" },
            ParamsJson = """{"a": 2, "b": 3}""",
            Caller = "flow-test",
        }, new CallOptions(headers: auth, cancellationToken: ct));
        Assert.True(run.Execution.Status == ExecutionStatus.Success, $"{run.Execution.Status}: {run.Execution.Error} {run.Execution.StderrTail}");
        Assert.Equal(published.Version.ContentHash, run.Execution.ContentHash);
        Assert.Contains("\"sum\": 5", run.Execution.DataJson.Replace("\"sum\":5", "\"sum\": 5", StringComparison.Ordinal));

        // The Registry consumes ScriptRunCompleted asynchronously.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        ScriptStats stats;
        do
        {
            await Task.Delay(200, ct);
            stats = (await registry.GetStatsAsync(new GetStatsRequest { Name = "math_addition_001" }, new CallOptions(headers: auth, cancellationToken: ct))).Stats;
        }
        while (stats.UsageCount == 0 && DateTime.UtcNow < deadline);
        Assert.Equal(1, stats.UsageCount);
        Assert.Equal(1.0, stats.SuccessRate);
    }

    /// <summary>The first admin key comes from the Registry's own command on its database.</summary>
    private static async Task<string> CreateAdminKeyAsync(string appHostOutput, CancellationToken ct)
    {
        var serverLine = appHostOutput.Split('\n').First(l => l.TrimStart().StartsWith("postgres ", StringComparison.Ordinal));
        var registryDatabase = new NpgsqlConnectionStringBuilder(serverLine.Trim()["postgres".Length..].Trim()) { Database = "registry" };
        var startInfo = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        startInfo.ArgumentList.Add(AppHostRun.BuiltAssembly("src/ScriptPlatform.Registry", "ScriptPlatform.Registry"));
        startInfo.ArgumentList.Add("create-admin-key");
        startInfo.ArgumentList.Add("--owner");
        startInfo.ArgumentList.Add("flowtest");
        startInfo.Environment["ConnectionStrings__postgres"] = registryDatabase.ConnectionString;
        using var process = Process.Start(startInfo)!;
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        var errors = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, $"create-admin-key failed: {output}{errors}");
        return output.Trim().Split('\n')[^1].Trim();
    }
}
