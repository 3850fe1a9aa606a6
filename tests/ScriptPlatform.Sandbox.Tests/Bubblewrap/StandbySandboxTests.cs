using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ScriptPlatform.Sandbox.Limits;

namespace ScriptPlatform.Sandbox.Tests.Bubblewrap;

/// <summary>
/// Standby sandboxes: a slot's next cold sandbox is started ahead, while it is idle, and a job takes it only when it was
/// started with the job's limits and without network; every job still runs in a sandbox nothing ran in before.
/// </summary>
public sealed class StandbySandboxTests
{
    // What the sandbox a job ran in looks like from inside: when its harness (PID 1) started, how long before the job,
    // its /tmp, and whether an earlier job's file is there. Then it leaves a file of its own.
    private const string Probe = """
        import os
        def execute(params):
            ticks = os.sysconf("SC_CLK_TCK")
            with open("/proc/1/stat") as f:
                started = int(f.read().rsplit(")", 1)[1].split()[19]) / ticks
            with open("/proc/uptime") as f:
                now = float(f.read().split()[0])
            tmp = os.statvfs("/tmp")
            seen = os.path.exists("/tmp/left-by-a-job")
            open("/tmp/left-by-a-job", "w").write("x")
            return {"started": started, "age": now - started, "tmp_mb": tmp.f_blocks * tmp.f_frsize >> 20, "seen": seen}
        """;

    [Fact]
    public async Task A_cold_job_takes_the_sandbox_started_for_it_while_the_slot_was_idle_and_nothing_ran_in_it_before()
    {
        await using var sandbox = TestSandboxes.Create(slots: 1, configure: o => o.StandbySandboxes = true);

        var first = await RunProbeAsync(sandbox);
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        var second = await RunProbeAsync(sandbox);

        // Started no earlier than the first job's sandbox (while it ran), and well before the second job was asked for.
        Assert.True(second.Started >= first.Started, $"second sandbox started at {second.Started} s, first at {first.Started} s");
        Assert.True(second.Age >= 1.0, $"the second job's sandbox was started {second.Age:0.00} s before it ran");
        Assert.False(first.Seen);
        Assert.False(second.Seen);
        Assert.Equal(2, sandbox.SlotUids.Count);
        Assert.Equal(2, sandbox.StandbyProcessIds.Count); // one in each of the slot's places
        TestSandboxes.AssertNoProcessLeft(sandbox);
    }

    [Fact]
    public async Task A_standby_started_with_other_limits_or_without_the_network_a_job_needs_is_not_used()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var sandbox = TestSandboxes.Create(slots: 1, configure: o =>
        {
            o.AllowNetwork = true;
            o.StandbySandboxes = true;
        });

        // One standby per place, each with other limits: the slot's two places both hold one.
        await RunProbeAsync(sandbox, tmpfsMb: 16);
        await RunProbeAsync(sandbox, tmpfsMb: 24);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        var other = await RunProbeAsync(sandbox, tmpfsMb: 40);
        var network = await sandbox.RunAsync(new SandboxJob(TestSandboxes.ConnectingScript(port)), TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        var same = await RunProbeAsync(sandbox, tmpfsMb: 40);

        Assert.Equal(40, other.TmpMb);
        Assert.True(other.Age < 1.0, $"a sandbox started {other.Age:0.00} s ahead, with other limits, ran the job");
        Assert.Equal((SandboxStatus.Success, "connected"), (network.Status, network.Data?.GetString()));
        Assert.Equal(40, same.TmpMb);
        Assert.True(same.Age >= 0.5, $"the standby started with the job's limits was not used (started {same.Age:0.00} s before)");
        TestSandboxes.AssertNoProcessLeft(sandbox);
    }

    [Fact]
    public async Task A_standby_that_died_while_waiting_is_replaced_and_the_job_runs()
    {
        await using var sandbox = TestSandboxes.Create(slots: 1, configure: o => o.StandbySandboxes = true);
        await RunProbeAsync(sandbox);
        Assert.NotEmpty(sandbox.StandbyProcessIds);

        foreach (var standby in sandbox.StandbyProcessIds)
        {
            System.Diagnostics.Process.GetProcessById(standby).Kill(entireProcessTree: true);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        var next = await RunProbeAsync(sandbox);

        Assert.False(next.Seen);
        Assert.True(next.Age < 1.0, $"the job ran in a sandbox started {next.Age:0.00} s before");
        TestSandboxes.AssertNoProcessLeft(sandbox);
    }

    [Fact]
    public async Task Disposing_the_sandbox_takes_its_standby_sandboxes_down()
    {
        var sandbox = TestSandboxes.Create(slots: 2, configure: o => o.StandbySandboxes = true);
        await Task.WhenAll(RunProbeAsync(sandbox), RunProbeAsync(sandbox));
        Assert.NotEmpty(sandbox.StandbyProcessIds);

        await sandbox.DisposeAsync();

        Assert.Empty(TestSandboxes.ProcessesOf(sandbox));
    }

    [Fact]
    public async Task A_sandbox_disposed_while_its_standby_sandboxes_are_still_starting_leaves_nothing_and_does_not_hang()
    {
        // Killed mid-start, bubblewrap can die before the harness it cloned asks to die with it (the race a CI run once
        // hung on, under the load of the parallel test assemblies; a quiet machine rarely hits it): the sandbox must still
        // take that harness down, and its disposal must end.
        for (var i = 0; i < 10; i++)
        {
            var sandbox = TestSandboxes.Create(slots: 2, configure: o => o.StandbySandboxes = true);
            await RunProbeAsync(sandbox); // its end starts a standby; one more was started while it ran

            await sandbox.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

            Assert.Empty(TestSandboxes.ProcessesOf(sandbox));
        }
    }

    [Fact]
    public async Task Without_standby_sandboxes_each_slot_has_one_uid_and_no_sandbox_waits()
    {
        await using var sandbox = TestSandboxes.Create(slots: 2, configure: o => o.StandbySandboxes = false);

        await RunProbeAsync(sandbox);

        Assert.Equal(2, sandbox.SlotUids.Count);
        Assert.Empty(sandbox.StandbyProcessIds);
        Assert.Empty(TestSandboxes.ProcessesOf(sandbox));
    }

    private static async Task<SandboxView> RunProbeAsync(ScriptSandbox sandbox, int? tmpfsMb = null)
    {
        var result = await sandbox.RunAsync(new SandboxJob(Probe) { Limits = tmpfsMb is null ? null : new LimitOverrides { TmpfsMb = tmpfsMb } },
            TestContext.Current.CancellationToken);
        Assert.True(result.Status == SandboxStatus.Success, $"{result.Status}: {result.Error} {result.Stderr}");
        var data = result.Data!.Value;
        return new SandboxView(data.GetProperty("started").GetDouble(), data.GetProperty("age").GetDouble(), data.GetProperty("tmp_mb").GetInt32(),
            data.GetProperty("seen").GetBoolean());
    }

    private sealed record SandboxView(double Started, double Age, int TmpMb, bool Seen);
}
