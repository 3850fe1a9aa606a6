using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ScriptPlatform.ServiceDefaults.Grpc;

/// <summary>
/// An interceptor that does one thing before the handler of every unary and server-streaming call
/// (the platform has no client-streaming rpcs): check request text, authenticate the caller.
/// </summary>
public abstract class BeforeHandlerInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await BeforeAsync(request, context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await BeforeAsync(request, context);
        await continuation(request, responseStream, context);
    }

    /// <summary>Throws an <see cref="RpcException"/> to refuse the call.</summary>
    protected abstract ValueTask BeforeAsync(object request, ServerCallContext context);
}
