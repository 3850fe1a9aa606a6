using System.Diagnostics;

namespace ScriptPlatform.Sandbox.Tests.Oci;

/// <summary>Builds the offline OCI image with scripts/oci-image.sh (a no-op when it exists) if podman is installed.</summary>
public sealed class OciImageFixture : IAsyncLifetime
{
    /// <summary>Why the OCI tests cannot run here, or null when they can.</summary>
    public string? SkipReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            SkipReason = "the OCI runner tests need root (rootful podman, per-slot uids)";
            return;
        }

        if (!File.Exists("/usr/bin/podman"))
        {
            SkipReason = "podman is not installed (apt-get install -y podman runc debootstrap)";
            return;
        }

        var script = FindRepositoryFile("scripts/oci-image.sh");
        if (script is null)
        {
            SkipReason = "scripts/oci-image.sh not found above " + AppContext.BaseDirectory;
            return;
        }

        using var build = Process.Start(new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = build.StandardOutput.ReadToEndAsync();
        var errors = build.StandardError.ReadToEndAsync();
        await build.WaitForExitAsync();
        if (build.ExitCode != 0)
        {
            SkipReason = $"building the OCI image failed (exit {build.ExitCode}): {await errors}{await output}";
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string? FindRepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
