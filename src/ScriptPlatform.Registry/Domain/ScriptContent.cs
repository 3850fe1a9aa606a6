using System.Security.Cryptography;
using System.Text;

namespace ScriptPlatform.Registry.Domain;

/// <summary>Checks and hashes a script's source: at most 256 KiB of valid UTF-8.</summary>
public static class ScriptContent
{
    public const int MaxBytes = 256 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Validates content as received in a proto string. Google.Protobuf (C#) decodes invalid UTF-8
    /// bytes to U+FFFD instead of failing, so a replacement character is how non-UTF-8 input shows up
    /// here; lone surrogates cannot be encoded at all. Both are rejected.
    /// </summary>
    public static (byte[] Utf8, string? Error, bool TooLarge) Check(string? content)
    {
        if (string.IsNullOrEmpty(content))
        {
            return ([], "the content is empty; send the script's Python source (UTF-8)", false);
        }

        var replacement = content.IndexOf('\uFFFD', StringComparison.Ordinal);
        if (replacement >= 0)
        {
            var line = content.AsSpan(0, replacement).Count('\n') + 1;
            return ([], $"the content is not valid UTF-8 (undecodable bytes at line {line}); re-encode the file as UTF-8 and publish again", false);
        }

        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(content);
        }
        catch (EncoderFallbackException)
        {
            return ([], "the content is not valid UTF-8 (it contains an unpaired surrogate); re-encode the file as UTF-8", false);
        }

        if (bytes.Length > MaxBytes)
        {
            return (bytes, $"the content is {bytes.Length:N0} bytes; the limit is {MaxBytes:N0} bytes (256 KiB): split the script or move data out of it", true);
        }

        if (content.Contains('\0', StringComparison.Ordinal))
        {
            return (bytes, "the content contains a NUL byte; a Python source file cannot contain one (is it a binary file?)", false);
        }

        return (bytes, null, false);
    }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 bytes: what lockfiles pin.</summary>
    public static string Hash(ReadOnlySpan<byte> utf8) => Convert.ToHexStringLower(SHA256.HashData(utf8));
}
