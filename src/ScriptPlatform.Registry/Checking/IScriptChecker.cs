namespace ScriptPlatform.Registry.Checking;

/// <summary>
/// Checks that a script's source is a runnable script before it is stored: it compiles, and it defines
/// the entry point the sandbox calls (<c>execute(params)</c> or <c>main(params)</c>). Never runs the code.
/// </summary>
public interface IScriptChecker
{
    /// <summary>Null when the source is fine, else what is wrong with it, with the compiler's line and message.</summary>
    /// <exception cref="Grpc.Core.RpcException">RESOURCE_EXHAUSTED when the check takes too long; UNAVAILABLE when the checker cannot run.</exception>
    Task<string?> FindProblemAsync(string source, CancellationToken cancellationToken);
}
