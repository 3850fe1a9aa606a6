using System.Buffers.Binary;
using System.Text.Json;
using ScriptPlatform.Sandbox.Limits;

namespace ScriptPlatform.Sandbox.Supervision;

/// <summary>One frame from the harness: a kind byte and its payload (see Harness/runner.py).</summary>
internal sealed record HarnessFrame(byte Kind, byte[] Payload);

/// <summary>The wire format between the supervisor and Harness/runner.py (documented in runner.py's docstring).</summary>
internal static class HarnessProtocol
{
    public const byte Load = (byte)'L';
    public const byte Stdout = (byte)'O';
    public const byte Stderr = (byte)'E';
    public const byte Result = (byte)'R';

    /// <summary>Largest result JSON accepted from a job.</summary>
    public const int MaxResultBytes = 8 << 20;

    /// <summary>Anything bigger is not a frame the harness writes: the stream is corrupt or forged.</summary>
    public const int MaxFrameBytes = MaxResultBytes + (64 << 10);

    public const string ScriptFileName = "script.py";

    /// <summary>Loads the script; the harness applies the rlimits before the script's first line runs.</summary>
    public static byte[] InitFrame(string source, IReadOnlyList<string> importNames, IReadOnlyList<string> sitePaths, ResourceLimits limits, bool warm) =>
        Frame(writer =>
        {
            writer.WriteString("source", source);
            writer.WriteString("filename", ScriptFileName);
            WriteArray(writer, "dependencies", importNames);
            WriteArray(writer, "site_paths", importNames.Count > 0 ? sitePaths : []);
            writer.WriteNumber("max_processes", limits.Processes);
            writer.WriteStartObject("rlimits");
            writer.WriteNumber("RLIMIT_AS", limits.MemoryMb * (1L << 20));
            if (Environment.IsPrivilegedProcess)
            {
                // Counted per host uid: meaningful only when each slot has its own uid (we are root).
                writer.WriteNumber("RLIMIT_NPROC", limits.Processes);
            }

            writer.WriteNumber("RLIMIT_NOFILE", limits.OpenFiles);
            writer.WriteNumber("RLIMIT_FSIZE", limits.FileSizeMb * (1L << 20));
            writer.WriteNumber("RLIMIT_CORE", 0);
            writer.WriteEndObject();
            writer.WriteBoolean("warm", warm);
        });

    /// <param name="paramsJson">Already validated to be a JSON object.</param>
    public static byte[] JobFrame(long id, string paramsJson, double timeoutSeconds, int cpuSeconds) =>
        Frame(writer =>
        {
            writer.WriteNumber("id", id);
            writer.WritePropertyName("params");
            writer.WriteRawValue(paramsJson, skipInputValidation: true);
            writer.WriteNumber("timeout", timeoutSeconds);
            writer.WriteNumber("cpu_seconds", cpuSeconds);
            writer.WriteNumber("result_limit", MaxResultBytes);
        });

    public static async Task<HarnessFrame?> ReadAsync(Stream stream)
    {
        var header = new byte[5];
        if (!await ReadExactAsync(stream, header).ConfigureAwait(false))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > MaxFrameBytes)
        {
            throw new InvalidDataException($"harness frame of {length} bytes exceeds {MaxFrameBytes}");
        }

        var payload = new byte[length];
        return await ReadExactAsync(stream, payload).ConfigureAwait(false) ? new HarnessFrame(header[0], payload) : null;
    }

    private static async Task<bool> ReadExactAsync(Stream stream, byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read)).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    private static byte[] Frame(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        buffer.Write(new byte[4]);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        var frame = buffer.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(frame.Length - 4));
        return frame;
    }

    private static void WriteArray(Utf8JsonWriter writer, string name, IEnumerable<string> items)
    {
        writer.WriteStartArray(name);
        foreach (var item in items)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    }
}
