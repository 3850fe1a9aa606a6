using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using ScriptPlatform.Contracts.Auth;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Domain;
using ScriptPlatform.Registry.Infrastructure;
using ScriptPlatform.ServiceDefaults.Text;

namespace ScriptPlatform.Registry.Auth;

/// <summary>
/// API keys: secrets are 256 random bits shown once; only their SHA-256 is stored (a fast hash is
/// right for high-entropy secrets, unlike passwords). Lookups go to the database on every call so a
/// revocation takes effect at once on every replica.
/// </summary>
public sealed partial class ApiKeyStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const string SecretPrefix = "spk_";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastUsedWrites = new(StringComparer.Ordinal);

    public static string HashSecret(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Validates an owner principal (what keys and scripts are owned by).</summary>
    public static string? ValidateOwner(string? owner) =>
        string.IsNullOrEmpty(owner) ? "the owner is empty; give the principal the key acts for, for example 'alice' or 'ci-bot'"
        : owner.Length > 64 || !OwnerRegex().IsMatch(owner)
            ? $"the owner '{TextRules.Shown(owner)}' must be 1–64 characters of letters, digits, '.', '_', '-' or '@', starting with a letter or digit"
        : null;

    public async Task<(ApiKeyInfo Info, string Secret)> CreateAsync(string owner, string label, IReadOnlyCollection<ApiKeyScope> scopes, TimeSpan? ttl, string actor, CancellationToken cancellationToken)
    {
        var id = "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        DateTimeOffset? expires = ttl is { } t ? now + t : null;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO api_keys (id, secret_hash, prefix, label, owner, scopes, created_at, expires_at) VALUES (@id, @hash, @prefix, @label, @owner, @scopes, @now, @expires)",
            connection, transaction))
        {
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("hash", HashSecret(secret));
            insert.Parameters.AddWithValue("prefix", secret[..12]);
            insert.Parameters.AddWithValue("label", label);
            insert.Parameters.AddWithValue("owner", owner);
            insert.Parameters.AddWithValue("scopes", scopes.Select(Caller.ScopeName).Distinct().ToArray());
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("expires", expires.HasValue ? expires.Value : DBNull.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await Audit.WriteAsync(connection, transaction, actor, "key.create", id, new { owner, label, scopes = scopes.Select(Caller.ScopeName).ToArray() }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var info = new ApiKeyInfo { Id = id, Prefix = secret[..12], Label = label, Owner = owner, CreatedAt = Timestamp.FromDateTimeOffset(now) };
        info.Scopes.AddRange(scopes.Distinct());
        if (expires is { } e)
        {
            info.ExpiresAt = Timestamp.FromDateTimeOffset(e);
        }

        return (info, secret);
    }

    public async Task<ApiKeyInfo> RevokeAsync(string id, string reason, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        ApiKeyInfo? info;
        await using (var update = new NpgsqlCommand(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = @id RETURNING " + Columns, connection, transaction))
        {
            update.Parameters.AddWithValue("id", id);
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            info = await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
        }

        if (info is null)
        {
            throw RegistryErrors.NotFound($"API key '{TextRules.Shown(id)}' does not exist; list keys with ListApiKeys to find its id");
        }

        await Audit.WriteAsync(connection, transaction, actor, "key.revoke", id, new { reason }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return info;
    }

    public async Task<(List<ApiKeyInfo> Keys, long Total)> ListAsync(string? owner, bool includeRevoked, int offset, int limit, CancellationToken cancellationToken)
    {
        const string where = "WHERE (@owner = '' OR owner = @owner) AND (@all OR (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())))";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {Columns}, count(*) OVER () FROM api_keys {where} ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset", connection);
        command.Parameters.AddWithValue("owner", owner ?? "");
        command.Parameters.AddWithValue("all", includeRevoked);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("offset", offset);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyInfo>();
        long total = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(Read(reader));
            total = reader.GetInt64(10);
        }

        return (keys, total);
    }

    /// <summary>The caller a bearer secret stands for; UNAUTHENTICATED when unknown, revoked or expired.</summary>
    public async Task<Caller> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM api_keys WHERE secret_hash = @hash", connection);
        command.Parameters.AddWithValue("hash", HashSecret(secret));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw RegistryErrors.Unauthenticated("the API key is not known to this registry; check the secret, or ask an admin for a key (sp keys create)");
        }

        var info = Read(reader);
        if (info.RevokedAt is not null)
        {
            throw RegistryErrors.Unauthenticated($"API key {info.Id} ({info.Prefix}…) was revoked at {info.RevokedAt.ToDateTimeOffset():u}; ask an admin for a new key");
        }

        var now = time.GetUtcNow();
        if (info.ExpiresAt is not null && info.ExpiresAt.ToDateTimeOffset() <= now)
        {
            throw RegistryErrors.Unauthenticated($"API key {info.Id} ({info.Prefix}…) expired at {info.ExpiresAt.ToDateTimeOffset():u}; ask an admin for a new key");
        }

        await reader.DisposeAsync();
        await TouchAsync(connection, info.Id, now, cancellationToken);
        return new Caller(info.Owner, info.Id, info.Scopes.ToHashSet());
    }

    private const string Columns = "id, prefix, label, owner, scopes, created_at, expires_at, revoked_at, last_used_at, secret_hash";

    /// <summary>last_used_at at most once a minute per key: a write on every read call would cost more than it tells.</summary>
    private async Task TouchAsync(NpgsqlConnection connection, string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_lastUsedWrites.TryGetValue(id, out var last) && now - last < TimeSpan.FromMinutes(1))
        {
            return;
        }

        _lastUsedWrites[id] = now;
        await using var touch = new NpgsqlCommand("UPDATE api_keys SET last_used_at = @now WHERE id = @id", connection);
        touch.Parameters.AddWithValue("now", now);
        touch.Parameters.AddWithValue("id", id);
        await touch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static ApiKeyInfo Read(NpgsqlDataReader reader)
    {
        var info = new ApiKeyInfo
        {
            Id = reader.GetString(0),
            Prefix = reader.GetString(1),
            Label = reader.GetString(2),
            Owner = reader.GetString(3),
            CreatedAt = Timestamp.FromDateTime(reader.GetDateTime(5)),
        };
        foreach (var scope in reader.GetFieldValue<string[]>(4))
        {
            info.Scopes.Add(Caller.ParseScope(scope));
        }

        if (!reader.IsDBNull(6))
        {
            info.ExpiresAt = Timestamp.FromDateTime(reader.GetDateTime(6));
        }

        if (!reader.IsDBNull(7))
        {
            info.RevokedAt = Timestamp.FromDateTime(reader.GetDateTime(7));
        }

        if (!reader.IsDBNull(8))
        {
            info.LastUsedAt = Timestamp.FromDateTime(reader.GetDateTime(8));
        }

        return info;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // \z, not $: '$' also matches before a final '\n'.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex OwnerRegex();
}
