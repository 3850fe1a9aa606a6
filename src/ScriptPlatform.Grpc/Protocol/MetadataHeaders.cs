namespace ScriptPlatform.Grpc.Protocol;

/// <summary>Conversion between gRPC metadata and HTTP/2 header fields, shared by client and server.</summary>
internal static class MetadataHeaders
{
    /// <summary>Adds a received header as metadata unless it is transport-level; decodes "-bin" values.</summary>
    public static void AddReceived(Metadata metadata, string name, string value)
    {
        if (GrpcProtocol.IsReservedHeader(name))
        {
            return;
        }

        try
        {
            AddEntries(metadata, name, value);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            // A header that is not valid metadata (bad key, non-ASCII text, bad base64) is left out
            // rather than failing the call.
        }
    }

    private static void AddEntries(Metadata metadata, string name, string value)
    {
        if (Metadata.IsBinaryKey(name))
        {
            // Senders may omit base64 padding, and may join several values with commas.
            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                metadata.Add(name, DecodeBase64(part));
            }

            return;
        }

        metadata.Add(name, value);
    }

    private static byte[] DecodeBase64(string value)
    {
        var padded = (value.Length % 4) switch
        {
            2 => value + "==",
            3 => value + "=",
            _ => value,
        };
        return Convert.FromBase64String(padded);
    }
}
