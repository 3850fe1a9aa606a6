using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Grpc;
using ScriptPlatform.Registry.Domain;

namespace ScriptPlatform.Registry.Auth;

/// <summary>Turns the call's <c>authorization: Bearer &lt;secret&gt;</c> metadata into a <see cref="Caller"/> with the scope an rpc needs.</summary>
public sealed class RegistryAuthorizer(ApiKeyStore keys, IOptionsMonitor<RegistryAuthOptions> options)
{
    public async Task<Caller> RequireAsync(ServerCallContext context, ApiKeyScope scope)
    {
        var secret = BearerSecret(context);
        if (secret is null)
        {
            if (scope == ApiKeyScope.Read && options.CurrentValue.AllowAnonymousReads)
            {
                return Caller.Anonymous;
            }

            throw RegistryErrors.Unauthenticated(
                $"{Rpc(context)} needs an API key with {ApiKeyStore.ScopeName(scope)} scope: send metadata 'authorization: Bearer <secret>' (an admin creates keys)");
        }

        var caller = await keys.AuthenticateAsync(secret, context.CancellationToken);
        if (!caller.Has(scope))
        {
            throw RegistryErrors.PermissionDenied(
                $"{Rpc(context)} needs {ApiKeyStore.ScopeName(scope)} scope; key {caller.KeyId} has [{string.Join(", ", caller.Scopes.Select(ApiKeyStore.ScopeName))}]. Ask an admin for a key with {ApiKeyStore.ScopeName(scope)} scope");
        }

        return caller;
    }

    private static string Rpc(ServerCallContext context) => context.Method[(context.Method.LastIndexOf('/') + 1)..];

    private static string? BearerSecret(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization") ?? context.GetHttpContext().Request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        const string bearer = "Bearer ";
        if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) || header.Length == bearer.Length)
        {
            throw RegistryErrors.Unauthenticated("the authorization metadata must be 'Bearer <secret>'");
        }

        return header[bearer.Length..].Trim();
    }
}
