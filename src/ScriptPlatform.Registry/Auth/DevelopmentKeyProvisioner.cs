using Grpc.Core;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Registry.Auth;

/// <summary>Where a development registry leaves its local admin key (<c>ScriptPlatform:Registry:DevelopmentKey</c>).</summary>
public sealed class DevelopmentKeyOptions
{
    public const string Section = "ScriptPlatform:Registry:DevelopmentKey";

    /// <summary>Provision the key; default: only in the Development environment (./build.sh up).</summary>
    public bool? Enabled { get; set; }

    /// <summary>The key file; default <c>~/.scriptplatform/dev-admin-key</c>, where <c>sp</c> looks for it.</summary>
    public string File { get; set; } = "";

    public string EffectiveFile => File is { Length: > 0 } file
        ? file
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".scriptplatform", "dev-admin-key");
}

/// <summary>
/// In development only, so that a new user can publish right after <c>./build.sh up</c>: at start-up
/// the registry makes sure the user's config directory holds a working admin key (owner-only file).
/// A key that still authenticates is kept; one this database does not know (a fresh database) or
/// that was revoked is replaced once. Never in any other environment: there the first admin key comes
/// from <c>create-admin-key</c>.
/// </summary>
public sealed partial class DevelopmentKeyProvisioner(
    ApiKeyStore keys, IOptions<DevelopmentKeyOptions> options, IHostEnvironment environment, ILogger<DevelopmentKeyProvisioner> logger) : IHostedService
{
    public const string Owner = "dev";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!(options.Value.Enabled ?? environment.IsDevelopment()))
        {
            return;
        }

        var path = options.Value.EffectiveFile;
        if (File.Exists(path) && (await File.ReadAllTextAsync(path, cancellationToken)).Trim() is { Length: > 0 } existing)
        {
            try
            {
                var caller = await keys.AuthenticateAsync(existing, cancellationToken);
                if (caller.Scopes.Contains(ApiKeyScope.Admin))
                {
                    return;
                }
            }
            catch (RpcException)
            {
                // Unknown here or revoked: replaced below.
            }
        }

        var (info, secret) = await keys.CreateAsync(Owner, "local development admin (provisioned at start-up)", [ApiKeyScope.Admin], null, "registry:development", cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, new FileStreamOptions
                     {
                         Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                     }))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteLineAsync(secret);
        }

        File.Move(temporary, path, overwrite: true);
        LogProvisioned(info.Id, path);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Development: admin API key {KeyId} written to {Path} (owner-only); sp picks it up")]
    private partial void LogProvisioned(string keyId, string path);
}
