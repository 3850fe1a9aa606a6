using System.Buffers;
using System.IO.Compression;

namespace ScriptPlatform.Grpc.Protocol;

/// <summary>Message compression. Only gzip is supported, and only for receiving (we always send identity).</summary>
internal static class GrpcCompression
{
    public static bool IsSupported(string? encoding) =>
        string.IsNullOrEmpty(encoding)
        || encoding.Equals(GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase)
        || encoding.Equals(GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase);

    public static bool IsGzip(string? encoding) =>
        encoding is not null && encoding.Equals(GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Inflates a compressed message, enforcing the size limit on the decompressed size too (a small
    /// gzip bomb must not get past it). The returned array is rented: give it back with <see cref="Return"/>.
    /// </summary>
    public static (byte[] Buffer, int Length) Decompress(ReadOnlySequence<byte> compressed, string? encoding, int maxSize)
    {
        if (!IsGzip(encoding))
        {
            // The compressed flag without a negotiated encoding is a protocol error (PROTOCOL-HTTP2.md).
            throw new RpcException(StatusCode.Internal, "Compressed message received without a grpc-encoding.");
        }

        using var input = new ReadOnlySequenceStream(compressed);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, (int)Math.Min(compressed.Length * 4, maxSize + 1L)));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxSize)
                    {
                        throw GrpcFrame.MessageTooLarge("Received", length, maxSize);
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxSize + 1L));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = gzip.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxSize)
                {
                    throw GrpcFrame.MessageTooLarge("Received", length, maxSize);
                }
            }

            return (buffer, length);
        }
        catch (InvalidDataException ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new RpcException(new Status(StatusCode.Internal, "Could not decompress the message: " + ex.Message), new Metadata(), ex);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);

    /// <summary>A read-only stream over a sequence, so GZipStream can inflate without copying the input.</summary>
    private sealed class ReadOnlySequenceStream(ReadOnlySequence<byte> sequence) : Stream
    {
        private ReadOnlySequence<byte> _remaining = sequence;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, _remaining.Length);
            _remaining.Slice(0, count).CopyTo(buffer);
            _remaining = _remaining.Slice(count);
            return count;
        }

        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
