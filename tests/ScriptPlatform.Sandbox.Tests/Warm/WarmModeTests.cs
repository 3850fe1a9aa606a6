using System.Text.Json;
using ScriptPlatform.Sandbox.Limits;

namespace ScriptPlatform.Sandbox.Tests.Warm;

public sealed class WarmModeTests : IAsyncLifetime
{
    private readonly ScriptSandbox _sandbox = TestSandboxes.Create(slots: 1);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        TestSandboxes.AssertNoProcessLeft(_sandbox);
    }

    [Fact]
    public async Task Nothing_leaks_from_one_warm_job_to_the_next()
    {
        // Each job reports what it can see, then leaves traces of every kind behind.
        const string script = """
            import os
            IMPORTED_AT = os.getpid()
            STATE = []

            def execute(params):
                seen = {
                    "imported_in_parent": IMPORTED_AT != os.getpid(),
                    "state": list(STATE),
                    "env": os.environ.get("SP_LEAK"),
                    "tmp": sorted(os.listdir("/tmp")),
                    "shm": sorted(os.listdir("/dev/shm")),
                    "scratch": sorted(os.listdir(".")),
                    "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
                }
                STATE.append(params["n"])
                os.environ["SP_LEAK"] = str(params["n"])
                open("/tmp/leak.txt", "w").write("x")
                open("/dev/shm/leak", "w").write("x")
                open("scratch-file", "w").write("x")
                globals()["leaked_fd"] = os.open("/tmp/leak.txt", os.O_RDONLY)
                os.dup2(globals()["leaked_fd"], 42)
                return seen
            """;
        var job = new SandboxJob(script) { Warm = true };

        var results = new List<SandboxResult>();
        for (var n = 0; n < 3; n++)
        {
            results.Add(await _sandbox.RunAsync(job with { ParamsJson = $$"""{"n": {{n}}}""" }, TestContext.Current.CancellationToken));
        }

        Assert.All(results, r => Assert.Equal(SandboxStatus.Success, r.Status));
        Assert.All(results, r => Assert.True(r.Warm));
        var first = results[0].Data!.Value.GetRawText();
        foreach (var later in results.Skip(1))
        {
            // Identical view: no globals, environment, files or descriptors from the previous job.
            Assert.Equal(first, later.Data!.Value.GetRawText());
        }

        var view = results[0].Data!.Value;
        Assert.True(view.GetProperty("imported_in_parent").GetBoolean(), "the script was imported once, before the fork");
        Assert.Empty(view.GetProperty("state").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("env").ValueKind);
        Assert.Equal(["job"], view.GetProperty("tmp").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(view.GetProperty("shm").EnumerateArray());
        Assert.Empty(view.GetProperty("scratch").EnumerateArray());
        // 0-2 and the result pipe; the last one is listdir's own descriptor.
        Assert.Equal([0, 1, 2, 3], view.GetProperty("fds").EnumerateArray().Select(e => e.GetInt32()).SkipLast(1));
    }

    [Fact]
    public async Task A_timed_out_warm_job_does_not_break_the_worker_for_the_next_job()
    {
        const string script = """
            import time
            def execute(params):
                if params.get("hang"):
                    time.sleep(600)
                return "ok"
            """;
        var job = new SandboxJob(script) { Warm = true, Limits = new LimitOverrides { WallClockSeconds = 1 } };

        var hung = await _sandbox.RunAsync(job with { ParamsJson = """{"hang": true}""" }, TestContext.Current.CancellationToken);
        var next = await _sandbox.RunAsync(job, TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Timeout, hung.Status);
        Assert.Equal(SandboxStatus.Success, next.Status);
    }

    [Fact]
    public async Task A_warm_job_that_floods_output_is_killed_and_the_next_job_gets_a_fresh_worker()
    {
        const string script = """
            import sys
            def execute(params):
                if params.get("flood"):
                    while True:
                        sys.stdout.write("y" * 4096)
                return "ok"
            """;
        var job = new SandboxJob(script) { Warm = true };

        var flooded = await _sandbox.RunAsync(job with { ParamsJson = """{"flood": true}""" }, TestContext.Current.CancellationToken);
        var next = await _sandbox.RunAsync(job, TestContext.Current.CancellationToken);

        Assert.Equal(KillReason.Output, flooded.KillReason);
        Assert.Equal(SandboxStatus.Success, next.Status);
    }

    [Fact]
    public async Task Warm_jobs_reuse_one_import_within_a_partition_but_not_across_partitions()
    {
        // The token is drawn once per import, so equal tokens mean the same warm worker.
        var job = new SandboxJob("import os\nTOKEN = os.urandom(8).hex()\ndef execute(p):\n    return TOKEN\n") { Warm = true };

        var tenantA1 = await _sandbox.RunAsync(job with { WarmPartition = "tenant-a" }, TestContext.Current.CancellationToken);
        var tenantA2 = await _sandbox.RunAsync(job with { WarmPartition = "tenant-a" }, TestContext.Current.CancellationToken);
        var tenantB = await _sandbox.RunAsync(job with { WarmPartition = "tenant-b" }, TestContext.Current.CancellationToken);

        Assert.Equal(tenantA1.Data!.Value.GetString(), tenantA2.Data!.Value.GetString());
        Assert.NotEqual(tenantA1.Data!.Value.GetString(), tenantB.Data!.Value.GetString());
    }

    [Fact]
    public async Task A_warm_worker_serves_only_its_own_script_version()
    {
        var v1 = await _sandbox.RunAsync(new SandboxJob("def execute(p):\n    return 1\n") { Warm = true }, TestContext.Current.CancellationToken);
        var v2 = await _sandbox.RunAsync(new SandboxJob("def execute(p):\n    return 2\n") { Warm = true }, TestContext.Current.CancellationToken);
        var cold = await _sandbox.RunAsync(new SandboxJob("def execute(p):\n    return 3\n"), TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3], new[] { v1, v2, cold }.Select(r => r.Data!.Value.GetInt32()));
    }
}
