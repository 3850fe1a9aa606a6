using System.Buffers;
using System.Net;
using Google.Protobuf;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc.Client;

/// <summary>A request body of one framed message, serialized into a pooled buffer as it is sent.</summary>
internal sealed class MessageContent : HttpContent
{
    private readonly IMessage _message;
    private readonly int _size;

    public MessageContent(IMessage message, int maxSize)
    {
        _message = message;
        _size = message.CalculateSize();
        if (_size > maxSize)
        {
            throw GrpcFrame.MessageTooLarge("Sending", _size, maxSize);
        }

        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var length = GrpcFrame.HeaderSize + _size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            GrpcFrame.WriteHeader(buffer, compressed: false, _size);
            _message.WriteTo(buffer.AsSpan(GrpcFrame.HeaderSize, _size));
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = GrpcFrame.HeaderSize + _size;
        return true;
    }
}
