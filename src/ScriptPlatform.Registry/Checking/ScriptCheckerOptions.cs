namespace ScriptPlatform.Registry.Checking;

/// <summary>How the registry compiles published scripts (<c>ScriptPlatform:Registry:ScriptChecker</c>).</summary>
public sealed class ScriptCheckerOptions
{
    public const string Section = "ScriptPlatform:Registry:ScriptChecker";

    /// <summary>The interpreter whose compiler judges the syntax: the one the sandbox runs scripts with.</summary>
    public string PythonPath { get; set; } = "/usr/bin/python3";

    /// <summary>Wall-clock limit of one check; a 256 KiB script compiles in well under a second.</summary>
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>Address-space limit of the checker process, so a pathological source cannot exhaust the host.</summary>
    public int MemoryMb { get; set; } = 512;

    /// <summary>Checks running at once (each is one process); 0 means one per processor.</summary>
    public int MaxConcurrency { get; set; }
}
