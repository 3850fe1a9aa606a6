namespace ScriptPlatform.Executor.Auth;

/// <summary>
/// Auth settings, in <c>ScriptPlatform:Executor</c> beside the other Executor settings, named as the
/// Registry's (<c>ScriptPlatform:Registry:AllowAnonymousReads</c>). Keys are the Registry's; see
/// docs/decisions/0005-executor-auth.md.
/// </summary>
public sealed class ExecutorAuthOptions
{
    /// <summary>GetBatch, GetExecution and ListExecutions without a key (as the Registry's reads).</summary>
    public bool AllowAnonymousReads { get; set; } = true;

    /// <summary>
    /// Run, RunStream, SubmitBatch and Cancel without a key, recorded under the request's <c>caller</c>
    /// text. Off by default: running costs compute and money. The AppHost's local platform turns it on
    /// (<c>AppHost:AllowAnonymousRuns</c>), as the dashboard allows anonymous access there.
    /// </summary>
    public bool AllowAnonymousRuns { get; set; }

    /// <summary>How long a key the Registry vouched for is trusted without asking again: a revoked key is refused at most this long after.</summary>
    public TimeSpan KeyCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The Executor's own key (read scope) for Registry loads made for nobody's call: workers loading a
    /// batch job's script, the recovery sweep. Unset: those loads are anonymous, which a Registry with
    /// <c>AllowAnonymousReads</c> (its default) answers.
    /// </summary>
    public string? RegistryApiKey { get; set; }
}
