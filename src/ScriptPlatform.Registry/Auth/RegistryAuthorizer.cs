using Grpc.Core;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Auth;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Domain;

namespace ScriptPlatform.Registry.Auth;

/// <summary>
/// Authorization: the scope an rpc needs, checked against the caller that <see cref="ApiKeyInterceptor"/>
/// authenticated (or an anonymous reader, when the operator allows anonymous reads).
/// </summary>
public sealed class RegistryAuthorizer(IOptionsMonitor<RegistryAuthOptions> options)
{
    public Caller Require(ServerCallContext context, ApiKeyScope scope)
    {
        if (!context.UserState.TryGetValue(typeof(Caller), out var value) || value is not Caller caller)
        {
            if (scope == ApiKeyScope.Read && options.CurrentValue.AllowAnonymousReads)
            {
                return Caller.Anonymous;
            }

            throw RegistryErrors.Unauthenticated(
                $"{Rpc(context)} needs an API key with {Caller.ScopeName(scope)} scope: send metadata 'authorization: Bearer <secret>' (an admin creates keys)");
        }

        if (!caller.Has(scope))
        {
            throw RegistryErrors.PermissionDenied(
                $"{Rpc(context)} needs {Caller.ScopeName(scope)} scope; key {caller.KeyId} has [{string.Join(", ", caller.Scopes.Select(Caller.ScopeName))}]. Ask an admin for a key with {Caller.ScopeName(scope)} scope");
        }

        return caller;
    }

    /// <summary>The caller of a call that carried a valid key; UNAUTHENTICATED for an anonymous call, whatever the settings.</summary>
    public static Caller Authenticated(ServerCallContext context) =>
        context.UserState.TryGetValue(typeof(Caller), out var value) && value is Caller caller
            ? caller
            : throw RegistryErrors.Unauthenticated($"{Rpc(context)} tells who an API key belongs to: send metadata 'authorization: Bearer <secret>'");

    private static string Rpc(ServerCallContext context) => context.Method[(context.Method.LastIndexOf('/') + 1)..];
}
