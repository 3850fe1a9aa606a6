using Grpc.Core;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Auth;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Executor.Domain;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Executor.Auth;

/// <summary>
/// Who a call acts for: its caller, and the metadata its Registry calls carry (the caller's own key,
/// so the Registry applies the caller's rights when loading scripts; null for an anonymous call).
/// </summary>
public sealed record CallIdentity(Caller Caller, Metadata? RegistryHeaders)
{
    /// <summary>
    /// The caller an execution or batch is recorded under. With a key, its owner; the request's
    /// <c>caller</c> may repeat it, and only an admin key (a service acting for someone) may name
    /// another. Anonymous (when allowed): the request's text, as before keys.
    /// </summary>
    public string Recorded(string? requested)
    {
        var text = RequestValidation.Text(requested, "caller", RequestValidation.MaxNameLength);
        if (RegistryHeaders is null || text.Length == 0 || text == Caller.Principal)
        {
            return RegistryHeaders is null ? text : Caller.Principal;
        }

        return Caller.IsAdmin
            ? text
            : throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"caller '{text}' is not the owner of this API key ('{Caller.Principal}'); leave caller empty (the key's owner is recorded) or use an admin key to act for another principal"));
    }
}

/// <summary>
/// Authentication, once per call: <c>authorization: Bearer &lt;secret&gt;</c> becomes the call's
/// <see cref="Caller"/> through <see cref="RegistryKeyValidator"/> (UNAUTHENTICATED for a malformed,
/// unknown, revoked or expired key). A call without it goes on as anonymous; each rpc says which
/// scope it needs through <see cref="ExecutorAuthorizer"/>.
/// </summary>
public sealed class ApiKeyInterceptor(RegistryKeyValidator keys) : BeforeHandlerInterceptor
{
    protected override async ValueTask BeforeAsync(object request, ServerCallContext context)
    {
        if (BearerToken.Secret(context) is { } secret)
        {
            var caller = await keys.AuthenticateAsync(secret, context.CancellationToken);
            context.UserState[typeof(CallIdentity)] = new CallIdentity(caller, BearerToken.For(secret));
        }
    }
}

/// <summary>
/// Authorisation: running (Run, RunStream, SubmitBatch, Cancel) needs the <c>run</c> scope, reading the
/// log (GetBatch, GetExecution, ListExecutions) any key; either without a key when the operator allows it.
/// </summary>
public sealed class ExecutorAuthorizer(IOptionsMonitor<ExecutorAuthOptions> options)
{
    public CallIdentity Require(ServerCallContext context, ApiKeyScope scope)
    {
        if (!context.UserState.TryGetValue(typeof(CallIdentity), out var value) || value is not CallIdentity identity)
        {
            var settings = options.CurrentValue;
            if (scope == ApiKeyScope.Read ? settings.AllowAnonymousReads : scope == ApiKeyScope.Run && settings.AllowAnonymousRuns)
            {
                return new CallIdentity(Caller.Anonymous, null);
            }

            throw new RpcException(new Status(StatusCode.Unauthenticated,
                $"{Rpc(context)} needs an API key with {Caller.ScopeName(scope)} scope: send metadata 'authorization: Bearer <secret>' (a Registry admin creates keys)"));
        }

        return identity.Caller.Has(scope)
            ? identity
            : throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{Rpc(context)} needs {Caller.ScopeName(scope)} scope; key {identity.Caller.KeyId} has [{string.Join(", ", identity.Caller.Scopes.Select(Caller.ScopeName))}]. Ask a Registry admin for a key with {Caller.ScopeName(scope)} scope"));
    }

    private static string Rpc(ServerCallContext context) => context.Method[(context.Method.LastIndexOf('/') + 1)..];
}
