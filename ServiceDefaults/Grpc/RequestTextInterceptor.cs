using Google.Protobuf;
using Grpc.Core;
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
public sealed class RequestTextInterceptor : BeforeHandlerInterceptor
{
    protected override ValueTask BeforeAsync(object request, ServerCallContext context)
    {
        if (request is IMessage message && TextRules.FirstInvalid(message) is { } problem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
        }

        return ValueTask.CompletedTask;
    }
}
