namespace ScriptPlatform.Registry.Auth;

/// <summary>Auth settings: <c>ScriptPlatform:Registry</c>.</summary>
public sealed class RegistryAuthOptions
{
    public const string Section = "ScriptPlatform:Registry";

    /// <summary>Reads (search, load, list, help, stats) without a key. Writes always need one.</summary>
    public bool AllowAnonymousReads { get; set; } = true;
}
