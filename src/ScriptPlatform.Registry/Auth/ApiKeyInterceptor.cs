using Grpc.Core;
using Grpc.Core.Interceptors;
using ScriptPlatform.Contracts.Auth;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Registry.Auth;

/// <summary>
/// Authentication, once per call: turns <c>authorization: Bearer &lt;secret&gt;</c> metadata into the
/// call's <see cref="Caller"/> (UNAUTHENTICATED for a malformed, unknown, revoked or expired key). A
/// call without the metadata goes on as anonymous; which scope an rpc needs is decided by the rpc
/// itself through <see cref="RegistryAuthorizer"/>, since for some it depends on the request.
/// </summary>
public sealed class ApiKeyInterceptor(ApiKeyStore keys) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(request, responseStream, context);
    }

    private async Task AuthenticateAsync(ServerCallContext context)
    {
        if (BearerToken.Secret(context) is { } secret)
        {
            context.UserState[typeof(Caller)] = await keys.AuthenticateAsync(secret, context.CancellationToken);
        }
    }
}
