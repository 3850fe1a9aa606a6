using System.Buffers;
using Google.Protobuf;

namespace ScriptPlatform.Grpc.Protocol;

/// <summary>Parsing and framing of protobuf messages, shared by the client and the server.</summary>
internal static class MessageSerializer
{
    /// <summary>Parses one message body (after the 5-byte prefix), inflating it first if it is compressed.</summary>
    public static T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> body, bool compressed, string? encoding, int maxSize)
        where T : IMessage<T>
    {
        if (!compressed)
        {
            return ParseOrThrow(parser, body);
        }

        var (buffer, length) = GrpcCompression.Decompress(body, encoding, maxSize);
        try
        {
            return ParseOrThrow(parser, new ReadOnlySequence<byte>(buffer, 0, length));
        }
        finally
        {
            GrpcCompression.Return(buffer);
        }
    }

    /// <summary>Writes prefix + message straight into the output buffer (no intermediate array).</summary>
    public static void WriteFrame(IBufferWriter<byte> output, IMessage message, int maxSize, string direction)
    {
        var size = message.CalculateSize();
        if (size > maxSize)
        {
            throw GrpcFrame.MessageTooLarge(direction, size, maxSize);
        }

        var span = output.GetSpan(GrpcFrame.HeaderSize + size);
        GrpcFrame.WriteHeader(span, compressed: false, size);
        message.WriteTo(span.Slice(GrpcFrame.HeaderSize, size));
        output.Advance(GrpcFrame.HeaderSize + size);
    }

    private static T ParseOrThrow<T>(MessageParser<T> parser, ReadOnlySequence<byte> body)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException ex)
        {
            // Like grpc-go and grpc-java: a message that does not parse is INTERNAL.
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize message: " + ex.Message), new Metadata(), ex);
        }
    }
}
