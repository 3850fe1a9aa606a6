using Google.Protobuf;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace ScriptPlatform.Grpc.Reflection;

/// <summary>grpc.reflection.v1.ServerReflection: one answer per request, on the same stream.</summary>
internal sealed class ReflectionServiceV1(ReflectionIndex index)
{
    public async Task ServerReflectionInfo(
        IAsyncStreamReader<V1.ServerReflectionRequest> requests, IServerStreamWriter<V1.ServerReflectionResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(index.Answer(requests.Current)).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// grpc.reflection.v1alpha.ServerReflection, still what many tools (grpcurl, older grpc-js) ask first.
/// Its messages are wire-identical to v1, so requests and answers are converted through their bytes
/// and the logic lives once, in <see cref="ReflectionIndex"/>.
/// </summary>
internal sealed class ReflectionServiceV1Alpha(ReflectionIndex index)
{
    public async Task ServerReflectionInfo(
        IAsyncStreamReader<V1Alpha.ServerReflectionRequest> requests, IServerStreamWriter<V1Alpha.ServerReflectionResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = V1.ServerReflectionRequest.Parser.ParseFrom(requests.Current.ToByteString());
            var answer = index.Answer(request);
            await responses.WriteAsync(V1Alpha.ServerReflectionResponse.Parser.ParseFrom(answer.ToByteString())).ConfigureAwait(false);
        }
    }
}
