using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Registry.Auth;

/// <summary>Who is calling: an API key's owner with its scopes, or an anonymous reader.</summary>
public sealed record Caller(string Principal, string? KeyId, IReadOnlySet<ApiKeyScope> Scopes)
{
    public static readonly Caller Anonymous = new("anonymous", null, new HashSet<ApiKeyScope>());

    /// <summary>The registry itself (admin command line, event consumers).</summary>
    public static Caller System(string principal) => new(principal, null, new HashSet<ApiKeyScope> { ApiKeyScope.Admin });

    public bool IsAdmin => Scopes.Contains(ApiKeyScope.Admin);

    /// <summary>Admin implies publish, publish implies read.</summary>
    public bool Has(ApiKeyScope scope) => scope switch
    {
        ApiKeyScope.Read => Scopes.Count > 0,
        ApiKeyScope.Publish => Scopes.Contains(ApiKeyScope.Publish) || IsAdmin,
        ApiKeyScope.Admin => IsAdmin,
        _ => false,
    };

    /// <summary>May this caller change a script owned by <paramref name="owner"/>?</summary>
    public bool CanManage(string owner) => IsAdmin || string.Equals(owner, Principal, StringComparison.Ordinal);
}

/// <summary>Auth settings: <c>ScriptPlatform:Registry</c>.</summary>
public sealed class RegistryAuthOptions
{
    public const string Section = "ScriptPlatform:Registry";

    /// <summary>Reads (search, load, list, help, stats) without a key. Writes always need one.</summary>
    public bool AllowAnonymousReads { get; set; } = true;
}
