using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc.Tests;

public sealed class ProtocolTests
{
    [Theory]
    [InlineData("1H", 3600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("3S", 3_000)]
    [InlineData("250m", 250)]
    [InlineData("1500u", 1.5)]
    [InlineData("2000000n", 2)]
    public void Grpc_timeout_parses_every_unit(string header, double milliseconds)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(milliseconds, timeout.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("10x")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    public void Grpc_timeout_rejects_malformed_values(string header) => Assert.False(GrpcTimeout.TryParse(header, out _));

    [Fact]
    public void Grpc_timeout_format_fits_eight_digits_and_round_trips()
    {
        foreach (var timeout in new[] { TimeSpan.FromMilliseconds(1.5), TimeSpan.FromSeconds(30), TimeSpan.FromDays(3), TimeSpan.FromDays(20000) })
        {
            var header = GrpcTimeout.Format(timeout);
            Assert.InRange(header.Length, 2, 9);
            Assert.True(GrpcTimeout.TryParse(header, out var parsed));
            Assert.True(parsed >= timeout || timeout > TimeSpan.FromDays(10000), header);
        }
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("ü\n", "%C3%BC%0A")]
    public void Grpc_message_is_percent_encoded_utf8(string message, string encoded)
    {
        Assert.Equal(encoded, PercentEncoding.Encode(message));
        Assert.Equal(message, PercentEncoding.Decode(encoded));
    }

    [Fact]
    public void Malformed_percent_escapes_are_kept_as_they_are() => Assert.Equal("50%zz%", PercentEncoding.Decode("50%zz%"));

    [Fact]
    public void Metadata_keys_are_lower_case_and_binary_keys_need_bytes()
    {
        var metadata = new Metadata().Add("X-Request-Id", "1");

        Assert.Equal("x-request-id", metadata[0].Key);
        Assert.Throws<ArgumentException>(() => metadata.Add("trace-bin", "text"));
        Assert.Throws<ArgumentException>(() => metadata.Add("plain", new byte[] { 1 }));
        Assert.Throws<ArgumentException>(() => metadata.Add("bad key", "x"));
    }
}
