using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Auth;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Executor.Auth;

/// <summary>
/// Who an API key stands for, asked of the Registry (which owns the keys) through WhoAmI and trusted
/// for <see cref="ExecutorAuthOptions.KeyCacheTtl"/>: one Registry call per key and TTL rather than
/// per run, and a revocation honoured within the TTL. Refusals are not cached, so a new key works at once.
/// </summary>
public sealed class RegistryKeyValidator(RegistryService.RegistryServiceClient? registry, IOptionsMonitor<ExecutorAuthOptions> options, TimeProvider time)
{
    // Expired entries are dropped when the cache grows past this (keys are few; this bounds a flood of distinct valid ones).
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, (Caller Caller, DateTimeOffset Until)> _vouched = new(StringComparer.Ordinal);

    public async Task<Caller> AuthenticateAsync(string secret, CancellationToken ct)
    {
        // Keyed by the secret's hash, so the cache never holds a secret as a key.
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        var now = time.GetUtcNow();
        if (_vouched.TryGetValue(id, out var entry) && entry.Until > now)
        {
            return entry.Caller;
        }

        if (registry is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "this Executor has no Registry to check API keys with (services:registry:http:0); configure the Registry's address"));
        }

        WhoAmIResponse who;
        try
        {
            who = await registry.WhoAmIAsync(new WhoAmIRequest(), BearerToken.For(secret), DateTime.UtcNow.AddSeconds(10), ct).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
        {
            _vouched.TryRemove(id, out _);
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"Registry: {ex.Status.Detail}"));
        }
        catch (RpcException ex) when (ex.StatusCode is not (StatusCode.Cancelled or StatusCode.DeadlineExceeded) || !ct.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"the API key could not be checked: the Registry answered {ex.StatusCode} ({ex.Status.Detail}); try again later."));
        }

        var caller = new Caller(who.Owner, who.KeyId, who.Scopes.ToHashSet());
        if (_vouched.Count > PruneAbove)
        {
            foreach (var stale in _vouched.Where(e => e.Value.Until <= now))
            {
                _vouched.TryRemove(stale.Key, out _);
            }
        }

        _vouched[id] = (caller, now + options.CurrentValue.KeyCacheTtl);
        return caller;
    }
}
