using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ScriptPlatform.Sandbox.Limits;

namespace ScriptPlatform.Sandbox.Tests.Bubblewrap;

/// <summary>
/// Hostile scripts against the real bubblewrap sandbox: each is contained with the right status
/// within seconds, the host is unaffected, and no process of the slot's uid is left behind.
/// Each test has its own sandbox (own uids) so the leftover-process check cannot see other tests.
/// </summary>
public sealed class AttackTests
{
    [Fact]
    public async Task Connecting_to_a_host_loopback_listener_fails_and_the_listener_sees_nothing()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var script = $$"""
            import socket
            def execute(params):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.connect(("127.0.0.1", {{port}}))
                return "connected"
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(5));

        Assert.Equal(SandboxStatus.Error, result.Status);
        Assert.Equal("PermissionError", result.Error!.Type);
        Assert.False(listener.Pending(), "the sandbox reached the host's loopback listener");
    }

    [Fact]
    public async Task An_abstract_unix_socket_bound_on_the_host_is_not_reachable()
    {
        // Abstract unix sockets are scoped by network namespace, not by the file system: only the
        // sandbox's own network namespace keeps it from this one.
        var name = $"scriptplatform-test-{Guid.NewGuid():N}";
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0" + name));
        listener.Listen();
        var script = $$"""
            import socket
            def execute(params):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect("\0{{name}}")
                return "connected"
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(5));

        Assert.Equal(SandboxStatus.Error, result.Status);
        Assert.Equal("ConnectionRefusedError", result.Error!.Type);
        Assert.False(listener.Poll(0, SelectMode.SelectRead), "the sandbox reached the host's abstract socket");
    }

    [Fact]
    public async Task An_abstract_unix_socket_left_by_one_job_is_gone_for_the_next_job_of_the_slot()
    {
        // Successive jobs of a slot share its network namespace; the sweep after each job kills the
        // process holding the socket, so the name is free again.
        var name = $"scriptplatform-test-{Guid.NewGuid():N}";
        var binder = $$"""
            import os, socket, time
            def execute(params):
                if os.fork() == 0:
                    os.setsid()
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.bind("\0{{name}}")
                    s.listen()
                    time.sleep(60)
                    os._exit(0)
                time.sleep(0.3)
                return "bound"
            """;
        var connector = $$"""
            import socket
            def execute(params):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect("\0{{name}}")
                return "connected"
            """;
        await using var sandbox = TestSandboxes.Create();

        var first = await sandbox.RunAsync(new SandboxJob(binder), TestContext.Current.CancellationToken);
        var second = await sandbox.RunAsync(new SandboxJob(connector), TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Success, first.Status);
        Assert.Equal(SandboxStatus.Error, second.Status);
        Assert.Equal("ConnectionRefusedError", second.Error!.Type);
        TestSandboxes.AssertNoProcessLeft(sandbox);
    }

    [Fact]
    public async Task Root_home_and_etc_shadow_do_not_exist_inside()
    {
        const string script = """
            import os
            def execute(params):
                found = {}
                for path in ("/root", "/etc/shadow", "/etc/passwd", "/home", "/work", "/var"):
                    found[path] = os.path.exists(path)
                return found
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(5));

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.All(result.Data!.Value.EnumerateObject(), p => Assert.False(p.Value.GetBoolean(), $"{p.Name} is visible in the sandbox"));
    }

    [Fact]
    public async Task The_hosts_environment_is_not_visible_inside()
    {
        var secret = "sp-secret-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable("SP_TEST_SECRET", secret);
        try
        {
            const string script = """
                import os
                def execute(params):
                    seen = [repr(dict(os.environ))]
                    for pid in os.listdir("/proc"):
                        if pid.isdigit():
                            try:
                                seen.append(open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace"))
                            except OSError:
                                pass
                    print("\n".join(seen))
                    return {"environ": dict(os.environ)}
                """;

            var result = await RunContainedAsync(script, TimeSpan.FromSeconds(5));

            Assert.Equal(SandboxStatus.Success, result.Status);
            Assert.DoesNotContain(secret, result.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, result.Data!.Value.GetRawText(), StringComparison.Ordinal);
            Assert.False(result.Data.Value.GetProperty("environ").TryGetProperty("SP_TEST_SECRET", out _));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SP_TEST_SECRET", null);
        }
    }

    [Fact]
    public async Task Writing_outside_tmp_fails_on_a_read_only_root()
    {
        const string script = """
            def execute(params):
                open("/usr/sp-attack-marker", "w").write("pwned")
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(5));

        Assert.Equal(SandboxStatus.Error, result.Status);
        Assert.Equal("OSError", result.Error!.Type);
        Assert.Contains("Read-only file system", result.Error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists("/usr/sp-attack-marker"));
    }

    [Fact]
    public async Task Filling_tmp_stops_at_the_sized_tmpfs()
    {
        const string script = """
            def execute(params):
                written = 0
                chunk = b"x" * (1 << 20)
                try:
                    for i in range(1000):
                        with open(f"/tmp/fill{i}", "wb") as f:
                            f.write(chunk)
                        written += len(chunk)
                except OSError as e:
                    return {"written": written, "error": e.strerror}
                return {"written": written, "error": None}
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(10));

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.Equal("No space left on device", result.Data!.Value.GetProperty("error").GetString());
        Assert.InRange(result.Data.Value.GetProperty("written").GetInt64(), 0, result.Limits!.TmpfsMb * (1L << 20));
    }

    [Fact]
    public async Task A_memory_hog_is_killed_for_memory()
    {
        const string script = """
            def execute(params):
                hog = []
                while True:
                    hog.append(bytearray(50 << 20))
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(10));

        Assert.Equal(SandboxStatus.Killed, result.Status);
        Assert.Equal(KillReason.Memory, result.KillReason);
    }

    [Fact]
    public async Task A_slots_memory_limit_can_rise_and_fall_between_jobs()
    {
        // cgroup v1 refuses a memory limit above the memory+swap limit (EINVAL), so raising both
        // must raise memory+swap first, and lowering must lower memory first.
        await using var sandbox = TestSandboxes.Create(slots: 1);
        var results = new List<SandboxResult>();
        foreach (var memoryMb in new[] { 256, 4096, 256, 2048 })
        {
            results.Add(await sandbox.RunAsync(new SandboxJob("import resource\ndef execute(params):\n    return resource.getrlimit(resource.RLIMIT_AS)[0] >> 20\n")
            {
                Limits = new LimitOverrides { MemoryMb = memoryMb },
            }, TestContext.Current.CancellationToken));
        }

        Assert.All(results, r => Assert.Equal(SandboxStatus.Success, r.Status));
        Assert.Equal([256, 4096, 256, 2048], results.Select(r => r.Data!.Value.GetInt32()));
        TestSandboxes.AssertNoProcessLeft(sandbox);
    }

    [Fact]
    public async Task A_memory_hog_spread_over_many_processes_is_killed_for_memory()
    {
        if (!Directory.Exists("/sys/fs/cgroup/memory"))
        {
            Assert.Skip("no cgroup v1 memory controller on this host: only the per-process RLIMIT_AS applies");
        }

        // Each process stays under RLIMIT_AS; together they exceed the slot's memory cgroup.
        const string script = """
            import os, time
            def execute(params):
                for _ in range(8):
                    if os.fork() == 0:
                        hog = bytearray(200 << 20)
                        for i in range(0, len(hog), 4096):
                            hog[i] = 1
                        time.sleep(30)
                        os._exit(0)
                for _ in range(8):
                    os.wait()
                return "survived"
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(20), new LimitOverrides { MemoryMb = 512, WallClockSeconds = 15 });

        Assert.Equal(SandboxStatus.Killed, result.Status);
        Assert.Equal(KillReason.Memory, result.KillReason);
    }

    [Fact]
    public async Task A_cpu_loop_is_killed_for_cpu_time()
    {
        // A generous wall clock: on a busy machine one CPU second can take several wall seconds.
        var result = await RunContainedAsync("def execute(params):\n    while True:\n        pass\n", TimeSpan.FromSeconds(20),
            new LimitOverrides { CpuSeconds = 1, WallClockSeconds = 15 });

        Assert.Equal(SandboxStatus.Killed, result.Status);
        Assert.Equal(KillReason.Cpu, result.KillReason);
    }

    [Fact]
    public async Task A_fork_bomb_is_killed_for_processes()
    {
        const string script = """
            import os
            def execute(params):
                while True:
                    try:
                        os.fork()
                    except OSError:
                        pass
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(8), new LimitOverrides { WallClockSeconds = 5 });

        Assert.Equal(SandboxStatus.Killed, result.Status);
        Assert.Equal(KillReason.Processes, result.KillReason);
    }

    [Fact]
    public async Task A_100_MB_output_flood_is_killed_for_output()
    {
        const string script = """
            import sys
            def execute(params):
                line = "x" * 1023 + "\n"
                for _ in range(100 * 1024):
                    sys.stdout.write(line)
                return "flooded"
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(8));

        Assert.Equal(SandboxStatus.Killed, result.Status);
        Assert.Equal(KillReason.Output, result.KillReason);
        Assert.True(result.OutputTruncated);
        Assert.InRange(result.Stdout.Length, 1, 64 * 1024);
    }

    [Fact]
    public async Task Sleeping_forever_times_out_at_the_wall_clock()
    {
        var result = await RunContainedAsync("import time\ndef execute(params):\n    time.sleep(10**6)\n", TimeSpan.FromSeconds(5),
            new LimitOverrides { WallClockSeconds = 1.5 });

        Assert.Equal(SandboxStatus.Timeout, result.Status);
        Assert.InRange(result.Duration.TotalSeconds, 1.4, 4);
    }

    [Fact]
    public async Task A_double_forked_grandchild_does_not_outlive_the_job()
    {
        const string script = """
            import os, time
            def execute(params):
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        time.sleep(600)
                    os._exit(0)
                os.wait()
                return "parent done"
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(5));

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.Equal("parent done", result.Data!.Value.GetString());
    }

    [Fact]
    public async Task A_script_that_stops_its_harness_is_still_killed_by_the_supervisor_wall_clock()
    {
        const string script = """
            import os, signal
            def execute(params):
                os.kill(os.getppid(), signal.SIGSTOP)
                while True:
                    pass
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(6), new LimitOverrides { WallClockSeconds = 1.5 });

        Assert.Equal(SandboxStatus.Timeout, result.Status);
    }

    [Fact]
    public async Task The_script_runs_as_nobody_without_capabilities_under_seccomp_and_rlimits()
    {
        const string script = """
            import os, resource
            def execute(params):
                status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
                return {
                    "uid": os.getuid(),
                    "seccomp": status["Seccomp"].strip(),
                    "cap_eff": status["CapEff"].strip(),
                    "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
                    "as": resource.getrlimit(resource.RLIMIT_AS)[0],
                }
            """;

        var result = await RunContainedAsync(script, TimeSpan.FromSeconds(5));

        var data = result.Data!.Value;
        Assert.Equal(65534, data.GetProperty("uid").GetInt32());
        Assert.Equal("2", data.GetProperty("seccomp").GetString());
        Assert.Equal("0000000000000000", data.GetProperty("cap_eff").GetString());
        Assert.Equal(result.Limits!.Processes, data.GetProperty("nproc").GetInt32());
        Assert.Equal(result.Limits.MemoryMb * (1L << 20), data.GetProperty("as").GetInt64());
    }

    [Fact]
    public async Task Network_is_granted_only_when_the_script_declares_it_the_operator_allows_it_and_the_caller_does_not_withhold_it()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var script = TestSandboxes.ConnectingScript(port);

        await using var denied = TestSandboxes.Create();
        await using var allowed = TestSandboxes.Create(configure: o => o.AllowNetwork = true);
        var withoutPolicy = await denied.RunAsync(new SandboxJob(script), TestContext.Current.CancellationToken);
        var withPolicy = await allowed.RunAsync(new SandboxJob(script), TestContext.Current.CancellationToken);
        var withheld = await allowed.RunAsync(new SandboxJob(script) { Limits = new LimitOverrides { Network = false } }, TestContext.Current.CancellationToken);

        Assert.Equal(SandboxStatus.Error, withoutPolicy.Status);
        Assert.Equal(SandboxStatus.Success, withPolicy.Status);
        Assert.Equal((SandboxStatus.Error, "PermissionError"), (withheld.Status, withheld.Error!.Type));
        TestSandboxes.AssertNoProcessLeft(denied);
        TestSandboxes.AssertNoProcessLeft(allowed);
    }

    private static async Task<SandboxResult> RunContainedAsync(string script, TimeSpan within, LimitOverrides? limits = null)
    {
        await using var sandbox = TestSandboxes.Create();
        var clock = Stopwatch.StartNew();

        var result = await sandbox.RunAsync(new SandboxJob(script) { Limits = limits }, TestContext.Current.CancellationToken);

        Assert.True(clock.Elapsed < within, $"took {clock.Elapsed.TotalSeconds:0.0} s, more than {within.TotalSeconds} s: {result}");
        TestSandboxes.AssertNoProcessLeft(sandbox);
        return result;
    }
}
