using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Executor.Auth;
using ScriptPlatform.Executor.Domain;
using ScriptPlatform.Sandbox.Metadata;
using ScriptPlatform.ServiceDefaults.Grpc;
using ScriptMetadata = ScriptPlatform.Sandbox.Metadata.ScriptMetadata;

namespace ScriptPlatform.Executor.Infrastructure;

/// <summary>What to run, resolved: name, exact version (null for inline), content hash, content and parsed metadata.</summary>
/// <param name="Metadata">Null when the content's metadata block is malformed (the sandbox then reports INVALID).</param>
public sealed record ResolvedScript(string Name, string? Version, string ContentHash, string Content, ScriptMetadata? Metadata)
{
    public static ResolvedScript Inline(string name, string content) =>
        new(name, null, Hash(content), content, TryParse(content));

    public static string Hash(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    public static ScriptMetadata? TryParse(string content)
    {
        try
        {
            return ScriptMetadataParser.Parse(content);
        }
        catch (ScriptMetadataException)
        {
            return null;
        }
    }
}

/// <summary>
/// Resolves a registry reference through the Registry's <c>Load</c> (cached by content hash, which
/// never changes meaning) or takes inline content as given; inline content needs no Registry at all.
/// Registry calls carry the caller's own key when there is one (the Registry applies the caller's
/// rights), else the Executor's own (<see cref="ExecutorAuthOptions.RegistryApiKey"/>), else none.
/// </summary>
public sealed class ScriptResolver(RegistryService.RegistryServiceClient? registry, IOptions<ExecutorAuthOptions> auth)
{
    public const string InlineName = "inline";

    private readonly ConcurrentDictionary<string, ResolvedScript> _byHash = new();
    private readonly Metadata? _ownHeaders = string.IsNullOrWhiteSpace(auth.Value.RegistryApiKey) ? null : BearerToken.For(auth.Value.RegistryApiKey.Trim());

    public bool HasRegistry => registry is not null;

    /// <summary>Resolves either source, applying the optional lockfile pin.</summary>
    public async Task<ResolvedScript> ResolveAsync(
        ScriptRef? script, Contracts.Executor.V1.InlineScript? inline, string? expectedHash, Metadata? registryHeaders, CancellationToken ct)
    {
        expectedHash = RequestValidation.ContentHash(expectedHash);
        ResolvedScript resolved;
        if (inline is not null)
        {
            if (string.IsNullOrEmpty(inline.Content))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "inline.content is empty: give the Python source to run."));
            }

            RequestValidation.InlineContent(inline.Content);

            var name = string.IsNullOrEmpty(inline.Name) ? InlineName : RequestValidation.ScriptName(inline.Name, "inline.name");
            resolved = ResolvedScript.Inline(name, inline.Content);
        }
        else if (script is not null)
        {
            RequestValidation.ScriptName(script.Name);
            var selector = RequestValidation.VersionSelector(script.VersionSelector);
            resolved = await LoadAsync(script.Name, selector, expectedHash, registryHeaders, ct).ConfigureAwait(false);
        }
        else
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Say what to run: set either script (name + version selector) or inline (content)."));
        }

        if (!string.IsNullOrEmpty(expectedHash) && !string.Equals(expectedHash, resolved.ContentHash, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"content hash mismatch for '{resolved.Name}': expected {expectedHash}, resolved {resolved.ContentHash}. Update the lockfile or pin the matching version."));
        }

        return resolved;
    }

    /// <summary>Loads one registry version (selector: empty/latest, exact or range); cached by hash for workers.</summary>
    public async Task<ResolvedScript> LoadAsync(string name, string? selector, string? expectedHash, Metadata? registryHeaders, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(expectedHash) && _byHash.TryGetValue(expectedHash.ToLowerInvariant(), out var cached) && cached.Name == name)
        {
            return cached;
        }

        if (registry is null)
        {
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"script '{name}' lives in the Registry, but no Registry is configured (services:registry:http:0). Run inline content, or configure the Registry address."));
        }

        LoadResponse response;
        try
        {
            response = await registry.LoadAsync(
                new LoadRequest { Script = new ScriptRef { Name = name, VersionSelector = selector ?? "" }, ExpectedContentHash = expectedHash ?? "" },
                registryHeaders ?? _ownHeaders, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
        {
            throw new RpcException(new Status(ex.StatusCode, $"Registry: {ex.Status.Detail}"));
        }
        catch (RpcException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"the Registry could not load '{name}' ({ex.StatusCode}: {ex.Status.Detail}); try again later."));
        }

        var content = response.Content;
        var hash = ResolvedScript.Hash(content);
        var resolved = new ResolvedScript(name, response.Version?.Version is { Length: > 0 } v ? v : selector, hash, content, ResolvedScript.TryParse(content));
        _byHash[hash] = resolved;
        return resolved;
    }
}
