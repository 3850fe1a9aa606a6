using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using ScriptPlatform.ServiceDefaults.Text;

namespace ScriptPlatform.ServiceDefaults.Grpc;

/// <summary>
/// The one place request text is checked for what Postgres cannot store (NUL, unpaired surrogates):
/// every string of every request, found through the message's descriptor, before authentication
/// (itself a database call, or a call to the Registry) and before the rpc's own checks. Registered for
/// every service by <see cref="GrpcServerDefaults.AddGrpcServerDefaults"/>, ahead of any service's own
/// interceptors. INVALID_ARGUMENT names the field, for example "description contains a NUL character
/// (U+0000) at position 3".
/// </summary>
public sealed class RequestTextInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        await continuation(request, responseStream, context);
    }

    private static void Check(object request)
    {
        if (request is IMessage message && TextRules.FirstInvalid(message) is { } problem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
        }
    }
}
