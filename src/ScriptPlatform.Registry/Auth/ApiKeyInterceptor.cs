using Grpc.Core;
using ScriptPlatform.Contracts.Auth;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Registry.Auth;

/// <summary>
/// Authentication, once per call: turns <c>authorization: Bearer &lt;secret&gt;</c> metadata into the
/// call's <see cref="Caller"/> (UNAUTHENTICATED for a malformed, unknown, revoked or expired key). A
/// call without the metadata goes on as anonymous; which scope an rpc needs is decided by the rpc
/// itself through <see cref="RegistryAuthorizer"/>, since for some it depends on the request.
/// </summary>
public sealed class ApiKeyInterceptor(ApiKeyStore keys) : BeforeHandlerInterceptor
{
    protected override async ValueTask BeforeAsync(object request, ServerCallContext context)
    {
        if (BearerToken.Secret(context) is { } secret)
        {
            context.UserState[typeof(Caller)] = await keys.AuthenticateAsync(secret, context.CancellationToken);
        }
    }
}
