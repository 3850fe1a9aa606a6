using ScriptPlatform.Sandbox.Limits;

namespace ScriptPlatform.Sandbox;

public enum SandboxRuntime
{
    Bubblewrap,
    Oci,
}

/// <summary>Operator settings, bound from configuration section <see cref="SectionName"/>.</summary>
public sealed class SandboxOptions
{
    public const string SectionName = "ScriptPlatform:Sandbox";

    public SandboxRuntime Runtime { get; set; } = SandboxRuntime.Bubblewrap;

    /// <summary>Jobs that may run at once; each slot has its own host uid.</summary>
    public int Slots { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// Slots run as host uids/gids from BaseUid up. These uids must own nothing else on the host. Two
    /// sandboxes (processes) on one host never share a uid (a slot's sweep kills every process of its
    /// uid): each claims the first free ones from BaseUid with a lock file per uid (UidClaims).
    /// </summary>
    public int BaseUid { get; set; } = 61000;

    /// <summary>
    /// Start each slot's next cold sandbox ahead, while jobs run, and let a finished job's teardown overlap the next job
    /// (see <see cref="Slots.StandbySandbox"/>): every cold job still gets a fresh sandbox. Bubblewrap only. Takes twice as many uids as
    /// <see cref="Slots"/> and keeps one idle interpreter per uid; off suits a process that runs one job and exits (the CLI).
    /// </summary>
    public bool StandbySandboxes { get; set; } = true;

    /// <summary>Network for scripts that declare <c>network = true</c>. Off: no script gets network.</summary>
    public bool AllowNetwork { get; set; }

    /// <summary>Hard caps on every limit, whatever a script or caller asks for.</summary>
    public ResourceLimits Maxima { get; set; } = new()
    {
        WallClockSeconds = 600,
        CpuSeconds = 600,
        MemoryMb = 4096,
        Processes = 256,
        TmpfsMb = 512,
        OutputKb = 65536,
        OpenFiles = 4096,
        FileSizeMb = 512,
    };

    /// <summary>
    /// Host directory for the harness and the seccomp filters, which every sandbox trusts: it must be
    /// writable by this process only. Empty (the default): a fresh private temporary directory per
    /// sandbox instance, removed on dispose, so that nobody can plant files in a predictable /tmp path.
    /// </summary>
    public string WorkDirectory { get; set; } = "";

    /// <summary>Debian's interpreter: pyenv/venv interpreters have host-specific library paths.</summary>
    public string PythonPath { get; set; } = "/usr/bin/python3";

    /// <summary>Extra import paths, used only by scripts that declare dependencies.</summary>
    public List<string> SitePackages { get; set; } = ["/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages"];

    /// <summary>
    /// Put each bubblewrap slot in its own cgroup v1 memory and pids group when the host has them
    /// (running as root), so that the memory limit holds for all of a job's processes together.
    /// </summary>
    public bool UseCgroups { get; set; } = true;

    /// <summary>Time between SIGTERM and SIGKILL when a job is stopped.</summary>
    public int KillGraceMilliseconds { get; set; } = 200;

    /// <summary>How much of each of stdout and stderr a result keeps.</summary>
    public int TailKb { get; set; } = 64;

    public OciOptions Oci { get; set; } = new();
}

public sealed class OciOptions
{
    /// <summary>podman (or docker) command line client.</summary>
    public string Cli { get; set; } = "podman";

    /// <summary>Built offline by scripts/oci-image.sh.</summary>
    public string Image { get; set; } = "localhost/scriptplatform-python:bookworm";

    /// <summary>OCI runtime passed to podman (<c>--runtime</c>); crun rejects hybrid cgroup hosts. Empty: the client's default.</summary>
    public string OciRuntime { get; set; } = "runc";
}
