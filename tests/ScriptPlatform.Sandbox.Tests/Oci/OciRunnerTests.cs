using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ScriptPlatform.Sandbox.Limits;

namespace ScriptPlatform.Sandbox.Tests.Oci;

public sealed class OciRunnerTests(OciImageFixture image) : IClassFixture<OciImageFixture>, IAsyncLifetime
{
    private ScriptSandbox? _sandbox;

    private ScriptSandbox Sandbox => _sandbox!;

    public ValueTask InitializeAsync()
    {
        if (image.SkipReason is null)
        {
            _sandbox = TestSandboxes.Create(slots: 2, options => options.Runtime = SandboxRuntime.Oci);
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
            TestSandboxes.AssertNoProcessLeft(_sandbox);
        }
    }

    [Fact]
    public async Task A_script_runs_in_the_container_and_returns_its_result()
    {
        var result = await RunAsync("import os\ndef execute(params):\n    return {'data': params['x'] + 1, 'metadata': {'uid': os.getuid()}}\n", """{"x": 1}""");

        Assert.Equal(SandboxStatus.Success, result.Status);
        Assert.Equal(2, result.Data!.Value.GetInt32());
    }

    [Fact]
    public async Task The_container_has_no_network()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var result = await RunAsync($"import socket\ndef execute(params):\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n");

        Assert.Equal(SandboxStatus.Error, result.Status);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task The_containers_root_is_read_only()
    {
        var result = await RunAsync("def execute(params):\n    open('/etc/marker', 'w')\n");

        Assert.Equal(SandboxStatus.Error, result.Status);
        Assert.Contains("Read-only file system", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fork_bomb_in_the_container_is_killed_for_processes()
    {
        var result = await RunAsync("import os\ndef execute(params):\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n");

        Assert.Equal(SandboxStatus.Killed, result.Status);
        Assert.Equal(KillReason.Processes, result.KillReason);
    }

    [Fact]
    public async Task Sleeping_forever_in_the_container_times_out_and_the_container_is_removed()
    {
        var result = await RunAsync("import time\ndef execute(params):\n    time.sleep(10**6)\n", limits: new LimitOverrides { WallClockSeconds = 1.5 });

        Assert.Equal(SandboxStatus.Timeout, result.Status);
        foreach (var uid in Sandbox.SlotUids)
        {
            // Containers are named sp-{slot uid}-{random}.
            using var ps = Process.Start(new ProcessStartInfo("podman", $"ps -a --filter name=sp-{uid}- --format {{{{.Names}}}}") { RedirectStandardOutput = true })!;
            var names = await ps.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await ps.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal("", names.Trim());
        }
    }

    private async Task<SandboxResult> RunAsync(string script, string paramsJson = "{}", LimitOverrides? limits = null)
    {
        if (image.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        var clock = Stopwatch.StartNew();
        var result = await Sandbox.RunAsync(new SandboxJob(script) { ParamsJson = paramsJson, Limits = limits }, TestContext.Current.CancellationToken);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}: {result}");
        return result;
    }
}
