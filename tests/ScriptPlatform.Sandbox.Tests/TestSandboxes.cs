using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Supervision;

namespace ScriptPlatform.Sandbox.Tests;

/// <summary>
/// Real sandboxes for tests. Every sandbox gets its own range of slot uids so that tests running in
/// parallel can assert that no process of *their* uids is left behind.
/// </summary>
internal static class TestSandboxes
{
    private static int _nextBaseUid = 62000;

    public static ScriptSandbox Create(int slots = 1, Action<SandboxOptions>? configure = null)
    {
        RequireBubblewrap();
        var options = new SandboxOptions
        {
            Slots = slots,
            BaseUid = Interlocked.Add(ref _nextBaseUid, 16) - 16,
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
