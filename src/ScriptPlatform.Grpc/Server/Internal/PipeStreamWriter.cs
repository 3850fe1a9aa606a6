using Google.Protobuf;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc.Server.Internal;

/// <summary>
/// Writes response messages into Kestrel's response pipe. Streamed messages are flushed one by one so
/// the client sees each as it is produced; a unary response is left for Kestrel to send with the trailers.
/// </summary>
internal sealed class PipeStreamWriter<T>(HttpContextServerCallContext context) : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    public async Task WriteAsync(T message)
    {
        ResponseMessage.Write(context, message);
        var result = await context.GetHttpContext().Response.BodyWriter.FlushAsync(context.CancellationToken).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new OperationCanceledException("The client is no longer reading the response.");
        }
    }
}

internal static class ResponseMessage
{
    public static void Write(HttpContextServerCallContext context, IMessage message)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        MessageSerializer.WriteFrame(context.GetHttpContext().Response.BodyWriter, message, context.Options.MaxSendMessageSize, "Sending");
        context.MessageWritten = true;
    }
}
