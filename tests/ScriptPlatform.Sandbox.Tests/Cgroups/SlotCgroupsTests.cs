using System.Diagnostics;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Runners;
using ScriptPlatform.Sandbox.Slots;

namespace ScriptPlatform.Sandbox.Tests.Cgroups;

/// <summary>
/// The slot's pids group is what lets a clean job end skip the /proc sweep (issue 16): it must say "empty" only
/// when no process started in the slot is left, a process's own children included.
/// </summary>
public sealed class SlotCgroupsTests
{
    [Fact]
    public async Task The_slot_holds_a_process_until_it_and_its_detached_child_are_gone()
    {
        if (SlotCgroups.TryCreate() is not { } cgroups)
        {
            Assert.Skip("needs root and cgroup v1 memory and pids controllers (as the sandbox's cgroup limits do)");
            return;
        }

        // A uid of the bench's range end, unused by the other tests' sandboxes.
        var slot = new SandboxSlot(0, 63896);
        try
        {
            Assert.False(cgroups.HoldsNoProcess(slot)); // no launcher yet: unsure, so the caller sweeps

            // A shell whose background child outlives it: the child was born in the group and stays there.
            var start = new ProcessStartInfo("/bin/sh", ["-c", "sleep 30 & echo $!"]) { RedirectStandardOutput = true };
            using var shell = cgroups.Start(slot, new ResourceLimits(), () => Process.Start(start)!);
            var child = int.Parse(shell.StandardOutput.ReadLine() ?? "", System.Globalization.CultureInfo.InvariantCulture);
            await shell.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.False(cgroups.HoldsNoProcess(slot));

            using var orphan = Process.GetProcessById(child);
            orphan.Kill();
            for (var attempt = 0; attempt < 100 && !cgroups.HoldsNoProcess(slot); attempt++)
            {
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            Assert.True(cgroups.HoldsNoProcess(slot));
        }
        finally
        {
            cgroups.Remove(slot);
        }
    }
}
