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
    private const int UidsPerSandbox = 4;
    private static int _nextBaseUid = 62000;

    public static ScriptSandbox Create(int slots = 1, Action<SandboxOptions>? configure = null)
    {
        RequireBubblewrap();
        Assert.InRange(slots, 1, UidsPerSandbox);
        var options = new SandboxOptions
        {
            Slots = slots,
            BaseUid = Interlocked.Add(ref _nextBaseUid, UidsPerSandbox) - UidsPerSandbox,
            KillGraceMilliseconds = 100,
            WorkDirectory = Path.Combine(Path.GetTempPath(), "scriptplatform-sandbox-tests"),
        };
        configure?.Invoke(options);
        return new ScriptSandbox(Options.Create(options), NullLogger<ScriptSandbox>.Instance);
    }

    public static void AssertNoProcessLeft(ScriptSandbox sandbox)
    {
        foreach (var uid in sandbox.SlotUids)
        {
            Assert.Empty(ProcessSweeper.ProcessesOf(uid));
        }
    }

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
