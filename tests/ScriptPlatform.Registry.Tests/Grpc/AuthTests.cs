using Grpc.Core;
using Grpc.Net.Client;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Extensions;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Grpc;

public sealed class AuthTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Publish_without_a_key_is_unauthenticated()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("authorization: Bearer <secret>", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await PublishTests.Count(server, "scripts"));
    }

    [Fact]
    public async Task WhoAmI_answers_the_owner_and_scopes_of_the_key_and_refuses_a_call_without_one()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var runner = await server.Client.CreateApiKeyAsync(new CreateApiKeyRequest { Owner = "rita", Label = "runs", Scopes = { ApiKeyScope.Run } }, server.Admin);

        var who = await server.Client.WhoAmIAsync(new WhoAmIRequest(), RegistryServer.As(runner.Secret));
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => server.Client.WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);

        Assert.Equal(("rita", runner.Key.Id), (who.Owner, who.KeyId));
        Assert.Equal([ApiKeyScope.Run], who.Scopes);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        // The run scope is stored and listed like the others.
        var listed = await server.Client.ListApiKeysAsync(new ListApiKeysRequest { Owner = "rita" }, server.Admin);
        Assert.Equal([ApiKeyScope.Run], listed.Keys.Single().Scopes);
    }

    [Fact]
    public async Task An_unknown_key_is_unauthenticated()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), RegistryServer.As("spk_not-a-real-key")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("not known", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_key_is_unauthenticated_on_the_next_call()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var created = await server.Client.CreateApiKeyAsync(new CreateApiKeyRequest { Owner = "dave", Label = "ci", Scopes = { ApiKeyScope.Publish } }, server.Admin);
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), RegistryServer.As(created.Secret));

        var revoked = await server.Client.RevokeApiKeyAsync(new RevokeApiKeyRequest { Id = created.Key.Id, Reason = "leaked" }, server.Admin);
        Assert.NotNull(revoked.Key.RevokedAt);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.1"), RegistryServer.As(created.Secret)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("was revoked", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_key_is_unauthenticated()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var created = await server.Client.CreateApiKeyAsync(new CreateApiKeyRequest
        {
            Owner = "dave", Scopes = { ApiKeyScope.Publish }, Ttl = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1)),
        }, server.Admin);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), RegistryServer.As(created.Secret)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("expired", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_key_cannot_publish()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Reader).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("needs publish scope", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_management_needs_admin_scope()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.CreateApiKeyAsync(new CreateApiKeyRequest { Owner = "x", Scopes = { ApiKeyScope.Admin } }, server.Alice).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => server.Client.ListApiKeysAsync(new ListApiKeysRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
    }

    [Fact]
    public async Task Keys_are_listed_without_secrets_and_stored_only_as_hashes()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var created = await server.Client.CreateApiKeyAsync(new CreateApiKeyRequest { Owner = "erin", Label = "laptop", Scopes = { ApiKeyScope.Read, ApiKeyScope.Publish } }, server.Admin);
        var listed = await server.Client.ListApiKeysAsync(new ListApiKeysRequest { Owner = "erin" }, server.Admin);

        var key = Assert.Single(listed.Keys);
        Assert.Equal(created.Key.Id, key.Id);
        Assert.Equal([ApiKeyScope.Read, ApiKeyScope.Publish], key.Scopes);
        Assert.StartsWith(key.Prefix, created.Secret, StringComparison.Ordinal);
        await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM api_keys WHERE secret_hash = @s OR prefix = @s", connection);
        command.Parameters.AddWithValue("s", created.Secret);
        Assert.Equal(0L, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("", "owner is empty")]
    [InlineData("al ice", "must be 1–64 characters")]
    public async Task Creating_a_key_with_a_bad_owner_or_no_scope_is_invalid_argument(string owner, string message)
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.CreateApiKeyAsync(new CreateApiKeyRequest { Owner = owner, Scopes = { ApiKeyScope.Read } }, server.Admin).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(message, e.Status.Detail, StringComparison.Ordinal);
        var noScope = await Assert.ThrowsAsync<RpcException>(() => server.Client.CreateApiKeyAsync(new CreateApiKeyRequest { Owner = "ok" }, server.Admin).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noScope.StatusCode);
    }

    [Fact]
    public async Task Reads_need_a_key_when_anonymous_reads_are_off()
    {
        await using var server = await RegistryServer.StartAsync(postgres, new() { ["ScriptPlatform:Registry:AllowAnonymousReads"] = "false" });
        await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
        var load = new LoadRequest { Script = new ScriptRef { Name = "math_addition_001" } };

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Client.LoadAsync(load).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Equal("1.0.0", (await server.Client.LoadAsync(load, server.Reader)).Version.Version);
        Assert.NotEmpty((await server.Client.SearchAsync(new SearchRequest { Query = "add numbers" }, server.Reader)).Hits);
    }

    [Fact]
    public async Task The_admin_command_creates_a_working_admin_key_and_prints_the_secret_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync("registry");
        var output = new StringWriter();
        Environment.SetEnvironmentVariable("ConnectionStrings__postgres", connectionString);
        int exit;
        try
        {
            exit = await RegistryCommands.RunAsync(["create-admin-key", "--owner", "alice"], output, new StringWriter());
        }
        finally
        {
            Environment.SetEnvironmentVariable("ConnectionStrings__postgres", null);
        }

        Assert.Equal(0, exit);
        var secret = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        Assert.StartsWith("spk_", secret, StringComparison.Ordinal);
        await using var server = await RegistryServer.StartAsync(postgres, connectionString: connectionString);
        var keys = await server.Client.ListApiKeysAsync(new ListApiKeysRequest { Owner = "alice" }, RegistryServer.As(secret));
        Assert.Contains(keys.Keys, k => k.Scopes.Contains(ApiKeyScope.Admin));
    }

    [Fact]
    public async Task The_admin_command_without_an_owner_fails_with_usage()
    {
        var errors = new StringWriter();
        Assert.Equal(2, await RegistryCommands.RunAsync(["create-admin-key"], new StringWriter(), errors));
        Assert.Contains("--owner", errors.ToString(), StringComparison.Ordinal);
    }
}
