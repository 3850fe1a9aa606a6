using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Supervision;

namespace ScriptPlatform.Sandbox.Tests;

/// <summary>
/// Real sandboxes for tests. Every sandbox gets its own range of slot uids (62000-63899; the bench
/// uses 63900+) so that tests running in parallel can assert that no process of *their* uids is
/// left behind, and a sandbox's sweep never kills another's processes.
/// </summary>
internal static class TestSandboxes
{
    private const int UidsPerSandbox = 8; // 4 slots, each with a second uid when standby sandboxes are on
    private static int _nextBaseUid = 62000;

    public static ScriptSandbox Create(int slots = 1, Action<SandboxOptions>? configure = null)
    {
        RequireBubblewrap();
        Assert.InRange(slots, 1, UidsPerSandbox / 2);
        var options = new SandboxOptions
        {
            Slots = slots,
            BaseUid = Interlocked.Add(ref _nextBaseUid, UidsPerSandbox) - UidsPerSandbox,
            KillGraceMilliseconds = 100,
            // Each test here is about one job's sandbox, started for it; StandbySandboxTests turns standby sandboxes on
            // (the services' default, which the Executor, Faults and integration suites run with).
            StandbySandboxes = false,
            WorkDirectory = Path.Combine(Path.GetTempPath(), "scriptplatform-sandbox-tests"),
        };
        configure?.Invoke(options);
        return new ScriptSandbox(Options.Create(options), NullLogger<ScriptSandbox>.Instance);
    }

    /// <summary>Nothing of any job is left: a slot's uid runs no process but a standby sandbox waiting for the next job.</summary>
    public static void AssertNoProcessLeft(ScriptSandbox sandbox)
    {
        var standby = sandbox.StandbyProcessIds;
        foreach (var uid in sandbox.SlotUids)
        {
            Assert.All(ProcessSweeper.ProcessesOf(uid), pid => Assert.True(
                standby.Contains(pid) || standby.Contains(ParentOf(pid)), $"process {pid} of slot uid {uid} is left and is no standby sandbox's"));
        }
    }

    /// <summary>Every process of the sandbox's uids, standby sandboxes included (for after it is disposed).</summary>
    public static List<int> ProcessesOf(ScriptSandbox sandbox) => sandbox.SlotUids.SelectMany(ProcessSweeper.ProcessesOf).ToList();

    // The parent pid from /proc/<pid>/stat (the fourth field, after the command in parentheses); 0 once it is gone.
    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>A script that declares network and returns "connected" once it has connected to 127.0.0.1:<paramref name="port"/>.</summary>
    public static string ConnectingScript(int port) => $$"""
        # /// script
        # [tool.scriptplatform]
        # network = true
        # ///
        import socket
        def execute(params):
            socket.create_connection(("127.0.0.1", {{port}}), timeout=2).close()
            return "connected"
        """;

    public static SandboxJob Job(string source, string paramsJson = "{}", double? timeoutSeconds = null) =>
        new(source)
        {
            ParamsJson = paramsJson,
            Limits = timeoutSeconds is null ? null : new LimitOverrides { WallClockSeconds = timeoutSeconds },
        };

    private static void RequireBubblewrap()
    {
        if (!File.Exists("/usr/bin/bwrap"))
        {
            Assert.Skip("bubblewrap is not installed (apt-get install -y bubblewrap)");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Skip("the sandbox tests run as root: each slot must be started as its own host uid");
        }
    }
}
