using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc.Server.Internal;

/// <summary>Reads length-prefixed request messages straight from Kestrel's request pipe.</summary>
internal static class PipeMessageReader
{
    /// <summary>The next message, or null when the request body ended cleanly between messages.</summary>
    public static async ValueTask<T?> ReadAsync<T>(PipeReader reader, MessageParser<T> parser, HttpContextServerCallContext context)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool found;
            T? message;
            try
            {
                found = TryReadMessage(ref buffer, parser, context, out message);
            }
            catch
            {
                // Leave the pipe in a consistent state; Kestrel drains or resets the rest of the body.
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                throw;
            }

            if (found)
            {
                reader.AdvanceTo(buffer.Start);
                return message;
            }

            if (result.IsCompleted)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                return leftover == 0
                    ? null
                    : throw new RpcException(StatusCode.Internal, "Incomplete message: the request ended inside a frame.");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads the single message of a unary or server-streaming request and checks nothing follows.</summary>
    public static async ValueTask<T> ReadSingleAsync<T>(PipeReader reader, MessageParser<T> parser, HttpContextServerCallContext context)
        where T : class, IMessage<T>
    {
        var message = await ReadAsync(reader, parser, context).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, "The request contained no message.");

        // The client half-closes right after its message; anything more breaks unary cardinality.
        var next = await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false);
        var extra = next.Buffer.Length;
        reader.AdvanceTo(next.Buffer.End);
        if (extra > 0)
        {
            throw new RpcException(StatusCode.Internal, "The request contained more than one message.");
        }

        return message;
    }

    private static bool TryReadMessage<T>(ref ReadOnlySequence<byte> buffer, MessageParser<T> parser, HttpContextServerCallContext context, out T? message)
        where T : class, IMessage<T>
    {
        message = null;
        if (buffer.Length < GrpcFrame.HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[GrpcFrame.HeaderSize];
        buffer.Slice(0, GrpcFrame.HeaderSize).CopyTo(header);
        var (compressed, length) = GrpcFrame.ReadHeader(header);

        // Checked on the prefix, before buffering the body, so an oversized message costs no memory.
        var limit = context.Options.MaxReceiveMessageSize;
        if (length > limit)
        {
            throw GrpcFrame.MessageTooLarge("Received", length, limit);
        }

        if (buffer.Length < GrpcFrame.HeaderSize + length)
        {
            return false;
        }

        var body = buffer.Slice(GrpcFrame.HeaderSize, length);
        message = MessageSerializer.Parse(parser, body, compressed, context.RequestEncoding, limit);
        buffer = buffer.Slice(body.End);
        return true;
    }
}
