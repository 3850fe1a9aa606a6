using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Grpc;

public sealed class PublishTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Publish_then_load_returns_the_content_its_sha256_and_parsed_metadata()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var request = Scripts.Publish("math_addition_001", "1.0.0");
        request.Tags.Add("arithmetic");
        var published = await server.Client.PublishAsync(request, server.Alice);

        Assert.True(published.CreatedScript);
        Assert.False(published.IdempotentReplay);
        var expectedHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(request.Content)));
        Assert.Equal(expectedHash, published.Version.ContentHash);
        Assert.Equal("alice", published.Version.PublishedBy);

        var loaded = await server.Client.LoadAsync(new LoadRequest { Script = new ScriptRef { Name = "math_addition_001" } });
        Assert.Equal(request.Content, loaded.Content);
        Assert.Equal(expectedHash, loaded.Version.ContentHash);
        Assert.True(loaded.Version.IsLatest);
        Assert.Equal("math", loaded.Script.Category);
        Assert.Equal("Adds two numbers", loaded.Script.Description);
        Assert.Equal(["arithmetic"], loaded.Script.Tags);
        Assert.Equal("alice", loaded.Script.Owner);
        Assert.Equal(0.01, loaded.Metadata.CostPerUnit);
        Assert.Equal("items", loaded.Metadata.CostUnit);
        Assert.Equal(">=3.11", loaded.Metadata.RequiresPython);
        Assert.Collection(loaded.Metadata.Params,
            a => Assert.Equal(("a", "integer", true, "first operand"), (a.Name, a.Type, a.Required, a.Description)),
            b => Assert.Equal(("b", "0"), (b.Name, b.DefaultJson)));
    }

    [Fact]
    public async Task Republishing_identical_content_under_the_same_version_is_an_idempotent_replay()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var first = await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        var again = await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);

        Assert.True(again.IdempotentReplay);
        Assert.False(again.CreatedScript);
        Assert.Equal(first.Version.ContentHash, again.Version.ContentHash);
        Assert.Equal(1, await Count(server, "script_versions"));
    }

    [Fact]
    public async Task Publish_rejects_different_content_under_an_existing_version_with_already_exists()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0", "Adds numbers, faster"), server.Alice).ResponseAsync);

        Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
        Assert.Contains("publish a higher version such as 1.0.1", e.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.9.9")]
    [InlineData("1.0.0")]
    [InlineData("2.0.0-rc.1")]
    public async Task Publish_rejects_a_version_lower_than_the_latest_with_failed_precondition(string version)
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "2.0.0", "v2"), server.Alice);
        var request = Scripts.Publish("math_addition_001", version, "a downgrade");
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(request, server.Alice).ResponseAsync);

        Assert.Equal(version == "1.0.0" ? StatusCode.AlreadyExists : StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Contains(version == "1.0.0" ? "already exists" : "lower than the latest 2.0.0", e.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("v1.0.0")]
    [InlineData("01.0.0")]
    [InlineData("1.0.0.0")]
    [InlineData("")]
    [InlineData("latest")]
    public async Task Publish_rejects_a_version_that_is_not_strict_semver(string version)
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(Scripts.Publish("math_addition_001", version), server.Alice).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("invalid version:", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await Count(server, "scripts"));
    }

    [Theory]
    [InlineData("../../etc/passwd", "path separator")]
    [InlineData("scripts/evil", "path separator")]
    [InlineData("Math_Addition", "upper-case")]
    [InlineData("m\u0430th_addition", "non-ASCII character U+0430")]
    [InlineData("", "empty")]
    [InlineData("9lives", "must start with a letter")]
    public async Task Publish_rejects_bad_names_with_invalid_argument(string name, string reason)
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(Scripts.Publish(name, "1.0.0"), server.Alice).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(reason, e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await Count(server, "scripts"));
    }

    [Fact]
    public async Task Publish_rejects_content_over_256_KiB_with_resource_exhausted()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var request = Scripts.Publish("big_script_001", "1.0.0");
        request.Content += "\n# " + new string('x', 256 * 1024);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(request, server.Alice).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("the limit is 262,144 bytes", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await Count(server, "scripts"));
    }

    [Fact]
    public async Task Publish_accepts_content_of_exactly_256_KiB()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var request = Scripts.Publish("big_script_001", "1.0.0");
        var size = System.Text.Encoding.UTF8.GetByteCount(request.Content + "\n# ");
        request.Content += "\n# " + new string('x', (256 * 1024) - size);
        var published = await server.Client.PublishAsync(request, server.Alice);
        Assert.Equal(256 * 1024, published.Version.SizeBytes);
    }

    [Fact]
    public async Task Publish_rejects_non_utf8_content_with_invalid_argument()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        // The typed client cannot send invalid UTF-8; write the protobuf by hand with raw bytes in field 3.
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(1, WireFormat.WireType.LengthDelimited);
        output.WriteString("latin1_script_001");
        output.WriteTag(2, WireFormat.WireType.LengthDelimited);
        output.WriteString("1.0.0");
        output.WriteTag(3, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom([.. "def execute(params):\n    return {'caf"u8, 0xE9, .. "': 1}\n"u8]));
        output.Flush();

        var (status, message) = await RawGrpc.UnaryAsync(server.Address, "/scriptplatform.registry.v1.RegistryService/Publish", buffer.ToArray(), server.AliceSecret);

        Assert.Equal((int)StatusCode.InvalidArgument, status);
        Assert.Contains("not valid UTF-8", message, StringComparison.Ordinal);
        Assert.Equal(0, await Count(server, "scripts"));
    }

    [Fact]
    public async Task Publish_rejects_a_malformed_metadata_block_naming_the_problem()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var request = new PublishRequest
        {
            Name = "bad_meta_001",
            Version = "1.0.0",
            Content = "# /// script\n# [tool.scriptplatform]\n# colour = \"red\"\n# ///\ndef execute(params):\n    return {}\n",
        };
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(request, server.Alice).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("unknown key 'colour'", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_of_an_existing_name_by_another_owner_is_permission_denied_and_admin_may()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.1.0", "bob's"), server.Bob).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("belongs to 'alice'", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, await Count(server, "script_versions"));

        var byAdmin = await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.1.0", "admin fix"), server.Admin);
        Assert.Equal("root", byAdmin.Version.PublishedBy);
        var loaded = await server.Client.LoadAsync(new LoadRequest { Script = new ScriptRef { Name = "math_addition_001" } });
        Assert.Equal("alice", loaded.Script.Owner);
    }

    [Fact]
    public async Task A_new_version_becomes_latest_and_updates_the_script_fields()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        var request = Scripts.Publish("math_addition_001", "1.1.0", "Adds two or more numbers");
        request.Summary = "Sums any count of numbers.";
        await server.Client.PublishAsync(request, server.Alice);

        var versions = await server.Client.ListVersionsAsync(new ListVersionsRequest { Name = "math_addition_001" });
        Assert.Equal(["1.1.0", "1.0.0"], versions.Versions.Select(v => v.Version));
        Assert.Equal([true, false], versions.Versions.Select(v => v.IsLatest));
        var script = await server.Client.GetScriptAsync(new GetScriptRequest { Name = "math_addition_001" });
        Assert.Equal("1.1.0", script.Script.LatestVersion);
        Assert.Equal("Adds two or more numbers", script.Script.Description);
        Assert.Equal("Sums any count of numbers.", script.Script.Summary);
    }

    [Fact]
    public async Task Every_write_is_in_the_audit_log_with_who_and_what()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        await server.Client.FeedbackAsync(new FeedbackRequest { Name = "math_addition_001", Rating = 4 }, server.Bob);
        await server.Client.RemoveAsync(new RemoveRequest { Name = "math_addition_001", Mode = RemoveMode.Deprecate, Reason = "old" }, server.Alice);

        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT actor || ':' || action || ':' || target FROM audit_log WHERE action LIKE 'script.%' ORDER BY id", connection);
        var rows = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                rows.Add(reader.GetString(0));
            }
        }

        Assert.Equal(["alice:script.publish:math_addition_001", "bob:script.feedback:math_addition_001", "alice:script.remove:math_addition_001"], rows);
    }

    [Fact]
    public async Task Concurrent_first_publishes_of_one_name_create_it_once_and_the_loser_gets_a_clear_status()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await server.Client.PublishAsync(Scripts.Publish("race_script_001", "1.0.0", "attempt " + (i % 2)), i % 2 == 0 ? server.Alice : server.Bob);
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }));

        Assert.Equal(1, await Count(server, "scripts"));
        Assert.Equal(1, await Count(server, "script_versions"));
        Assert.Contains(StatusCode.OK, results);
        // Same owner and content: idempotent replays; other owner: PERMISSION_DENIED; same owner, other content: ALREADY_EXISTS.
        Assert.All(results, r => Assert.Contains(r, new[] { StatusCode.OK, StatusCode.PermissionDenied, StatusCode.AlreadyExists }));
    }

    internal static async Task<long> Count(RegistryServer server, string table)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
