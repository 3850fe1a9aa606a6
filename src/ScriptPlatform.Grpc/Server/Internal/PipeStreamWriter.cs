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
    private int _writing;

    public async Task WriteAsync(T message)
    {
        // Two overlapping writes would interleave frames in the pipe: refuse the second one.
        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("Can't write the message because the previous write is in progress.");
        }

        try
        {
            ResponseMessage.Write(context, message);
            var result = await context.GetHttpContext().Response.BodyWriter.FlushAsync(context.CancellationToken).ConfigureAwait(false);
            if (result.IsCanceled || result.IsCompleted)
            {
                throw new OperationCanceledException("The client is no longer reading the response.");
            }
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
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
