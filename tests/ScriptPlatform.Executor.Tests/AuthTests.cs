using Grpc.Core;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Executor.Tests.Infrastructure;

namespace ScriptPlatform.Executor.Tests;

/// <summary>
/// API keys on the Executor, against the real Registry that owns them: who may run, whose name the
/// execution log records, revocation, and batch workers loading scripts with the Executor's own key.
/// </summary>
public sealed class AuthTests(AuthPlatform keys) : IClassFixture<AuthPlatform>
{
    private ExecutorService.ExecutorServiceClient Client => keys.Api.Client;

    private static RunRequest ByName(string caller = "") => new()
    {
        Script = new ScriptRef { Name = AuthPlatform.ScriptName, VersionSelector = "^1.0" },
        ParamsJson = """{"a": 2, "b": 3}""",
        Caller = caller,
    };

    private static async Task<RpcException> Refused(StatusCode status, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(status, error.StatusCode);
        return error;
    }

    [Fact]
    public async Task A_run_without_a_key_is_UNAUTHENTICATED_and_nothing_is_recorded()
    {
        var caller = "nokey-" + Guid.NewGuid().ToString("N");

        var error = await Refused(StatusCode.Unauthenticated, () => Client.RunAsync(Scripts.Inline(Scripts.Add, """{"a": 1, "b": 1}""", caller)).ResponseAsync);
        await Refused(StatusCode.Unauthenticated, () => Client.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.Add }, ParamsJson = { "{}" } },
            Caller = caller,
        }).ResponseAsync);

        Assert.Contains("run scope", error.Status.Detail, StringComparison.Ordinal);
        // Reading the log stays open without a key, as the Registry's reads are (AllowAnonymousReads).
        Assert.Empty((await Client.ListExecutionsAsync(new ListExecutionsRequest { Caller = caller })).Executions);
    }

    [Fact]
    public async Task An_unknown_key_is_UNAUTHENTICATED_and_a_key_without_run_scope_is_PERMISSION_DENIED()
    {
        var unknown = await Refused(StatusCode.Unauthenticated, () => Client.RunAsync(ByName(), AuthPlatform.As("spk_not-a-real-key")).ResponseAsync);
        var reader = await Refused(StatusCode.PermissionDenied, () => Client.RunAsync(ByName(), AuthPlatform.As(keys.ReaderSecret)).ResponseAsync);
        await Refused(StatusCode.PermissionDenied, () => Client.CancelAsync(new CancelRequest { BatchId = Guid.NewGuid().ToString() }, AuthPlatform.As(keys.ReaderSecret)).ResponseAsync);

        Assert.Contains("not known", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("needs run scope", reader.Status.Detail, StringComparison.Ordinal);
        // A read key reads the log.
        await Client.ListExecutionsAsync(new ListExecutionsRequest(), AuthPlatform.As(keys.ReaderSecret));
    }

    [Fact]
    public async Task A_run_by_name_with_a_run_key_loads_with_that_key_and_records_the_keys_owner()
    {
        // Anonymous reads are off in this Registry: the load succeeds only because the caller's key went with it.
        var run = (await Client.RunAsync(ByName(), AuthPlatform.As(keys.RunnerSecret))).Execution;
        var sameName = (await Client.RunAsync(ByName("rita"), AuthPlatform.As(keys.RunnerSecret))).Execution;
        var other = await Refused(StatusCode.PermissionDenied, () => Client.RunAsync(ByName("mallory"), AuthPlatform.As(keys.RunnerSecret)).ResponseAsync);
        var forSomeone = (await Client.RunAsync(ByName("on-behalf-of-dora"), AuthPlatform.As(keys.AdminSecret))).Execution;

        Assert.True(run.Status == ExecutionStatus.Success, $"{run.Status}: {run.Error}");
        Assert.Equal("rita", run.Caller);
        Assert.Equal("rita", sameName.Caller);
        Assert.Contains("not the owner", other.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("on-behalf-of-dora", forSomeone.Caller);
        Assert.Equal("rita", (await Client.GetExecutionAsync(new GetExecutionRequest { Id = run.Id })).Execution.Caller);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_once_the_cache_ttl_has_passed()
    {
        var created = await keys.Registry.CreateApiKeyAsync(
            new CreateApiKeyRequest { Owner = "ivan", Label = "to revoke", Scopes = { ApiKeyScope.Run } }, AuthPlatform.As(keys.AdminSecret));
        Assert.Equal("ivan", (await Client.RunAsync(ByName(), AuthPlatform.As(created.Secret))).Execution.Caller);

        await keys.Registry.RevokeApiKeyAsync(new RevokeApiKeyRequest { Id = created.Key.Id, Reason = "leaked" }, AuthPlatform.As(keys.AdminSecret));
        await Task.Delay(AuthPlatform.KeyCacheTtl + TimeSpan.FromMilliseconds(200));

        var error = await Refused(StatusCode.Unauthenticated, () => Client.RunAsync(ByName(), AuthPlatform.As(created.Secret)).ResponseAsync);
        Assert.Contains("revoked", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_records_the_submitting_keys_owner_and_its_worker_loads_the_script_with_the_executors_own_key()
    {
        var submitted = await Client.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Script = new ScriptRef { Name = AuthPlatform.ScriptName }, ParamsJson = { """{"a": 1, "b": 2}""", """{"a": 3, "b": 4}""" } },
        }, AuthPlatform.As(keys.RunnerSecret));

        var batch = await Client.BatchFinishedAsync(submitted.BatchId);
        var results = (await Client.GetBatchAsync(new GetBatchRequest { BatchId = submitted.BatchId, IncludeResults = true })).Results;

        Assert.Equal("rita", batch.Caller);
        Assert.All(results, r => Assert.True(r.Status == ExecutionStatus.Success && r.Caller == "rita", $"{r.Status} {r.Caller}: {r.Error}"));
        // Run on the separate worker process, which has no caller key: its load used its own read key.
        Assert.All(results, r => Assert.Equal(AuthPlatform.WorkerId, r.WorkerId));
        Assert.Equal(2, results.Count);
    }
}
