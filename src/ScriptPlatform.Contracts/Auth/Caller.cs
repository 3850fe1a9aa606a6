using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Contracts.Auth;

/// <summary>
/// Who is calling: an API key's owner with its scopes, or an anonymous caller. Keys live in the
/// Registry; the Executor learns a key's caller from the Registry's WhoAmI. Shared so that both
/// services read scopes the same way.
/// </summary>
public sealed record Caller(string Principal, string? KeyId, IReadOnlySet<ApiKeyScope> Scopes)
{
    public static readonly Caller Anonymous = new("anonymous", null, new HashSet<ApiKeyScope>());

    /// <summary>A service acting for itself (admin command line, event consumers).</summary>
    public static Caller System(string principal) => new(principal, null, new HashSet<ApiKeyScope> { ApiKeyScope.Admin });

    public bool IsAdmin => Scopes.Contains(ApiKeyScope.Admin);

    /// <summary>Admin implies every scope; publish and run each imply read.</summary>
    public bool Has(ApiKeyScope scope) => scope switch
    {
        ApiKeyScope.Read => Scopes.Count > 0,
        ApiKeyScope.Publish => Scopes.Contains(ApiKeyScope.Publish) || IsAdmin,
        ApiKeyScope.Run => Scopes.Contains(ApiKeyScope.Run) || IsAdmin,
        ApiKeyScope.Admin => IsAdmin,
        _ => false,
    };

    /// <summary>May this caller change a script owned by <paramref name="owner"/>?</summary>
    public bool CanManage(string owner) => IsAdmin || string.Equals(owner, Principal, StringComparison.Ordinal);

    /// <summary>The lower-case name of a scope, as keys store it and messages show it.</summary>
    public static string ScopeName(ApiKeyScope scope) => scope switch
    {
        ApiKeyScope.Read => "read",
        ApiKeyScope.Publish => "publish",
        ApiKeyScope.Admin => "admin",
        ApiKeyScope.Run => "run",
        _ => $"unknown ({(int)scope})",
    };

    /// <summary>The scope a stored name stands for (Unspecified for a name this version does not know).</summary>
    public static ApiKeyScope ParseScope(string name) => name switch
    {
        "read" => ApiKeyScope.Read,
        "publish" => ApiKeyScope.Publish,
        "admin" => ApiKeyScope.Admin,
        "run" => ApiKeyScope.Run,
        _ => ApiKeyScope.Unspecified,
    };
}
