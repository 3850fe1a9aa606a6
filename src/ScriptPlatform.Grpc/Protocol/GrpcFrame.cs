using System.Buffers.Binary;

namespace ScriptPlatform.Grpc.Protocol;

/// <summary>
/// The length-prefixed message framing: 1 byte compressed flag, 4 bytes big-endian length, then the
/// message bytes.
/// </summary>
internal static class GrpcFrame
{
    public const int HeaderSize = 5;

    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>Reads a frame header; a flag other than 0 or 1 is a protocol violation.</summary>
    public static (bool Compressed, uint Length) ReadHeader(ReadOnlySpan<byte> header)
    {
        var flag = header[0];
        if (flag > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid message frame: compressed flag {flag}.");
        }

        return (flag == 1, BinaryPrimitives.ReadUInt32BigEndian(header[1..]));
    }

    public static RpcException MessageTooLarge(string direction, long size, int limit) =>
        new(StatusCode.ResourceExhausted, $"{direction} message larger than max ({size} vs. {limit})");
}
