using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace ScriptPlatform.Testing.BadInput;

/// <summary>
/// Calls any rpc of a service by name with an untyped request, as the sweep needs: unary or server
/// streaming (read to its end), the lone-surrogate placeholder sent as the bytes of U+D800.
/// </summary>
public sealed class DescriptorCaller(CallInvoker invoker, ServiceDescriptor service)
{
    private static readonly byte[] Placeholder = System.Text.Encoding.UTF8.GetBytes(BadInputSweep.LoneSurrogatePlaceholder.ToString());
    private static readonly byte[] LoneSurrogate = [0xED, 0xA0, 0x80];

    /// <summary>The status and message of <paramref name="rpc"/>'s answer (OK and "" when it succeeds).</summary>
    public async Task<(StatusCode Status, string Detail)> CallAsync(string rpc, IMessage request, CallOptions options)
    {
        var method = service.FindMethodByName(rpc);
        try
        {
            if (method.IsServerStreaming)
            {
                using var stream = invoker.AsyncServerStreamingCall(MethodFor(method, MethodType.ServerStreaming), null, options, request);
                while (await stream.ResponseStream.MoveNext(options.CancellationToken))
                {
                }
            }
            else
            {
                using var call = invoker.AsyncUnaryCall(MethodFor(method, MethodType.Unary), null, options, request);
                await call.ResponseAsync;
            }

            return (StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }

    private Method<IMessage, IMessage> MethodFor(MethodDescriptor method, MethodType type) => new(
        type,
        service.FullName,
        method.Name,
        Marshallers.Create<IMessage>(Encode, _ => throw new NotSupportedException("the sweep only sends requests")),
        Marshallers.Create<IMessage>(response => response.ToByteArray(), bytes => method.OutputType.Parser.ParseFrom(bytes)));

    // The request's protobuf bytes, with the lone-surrogate placeholder turned into the bytes of U+D800.
    private static byte[] Encode(IMessage request)
    {
        var bytes = request.ToByteArray();
        for (var i = bytes.AsSpan().IndexOf(Placeholder); i >= 0; i = bytes.AsSpan().IndexOf(Placeholder))
        {
            LoneSurrogate.CopyTo(bytes, i);
        }

        return bytes;
    }
}
