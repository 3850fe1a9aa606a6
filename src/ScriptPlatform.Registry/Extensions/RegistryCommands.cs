using Microsoft.Extensions.Configuration;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Auth;
using ScriptPlatform.Registry.Infrastructure;

namespace ScriptPlatform.Registry.Extensions;

/// <summary>
/// Admin commands run against the registry's database instead of starting the server, for example
/// <c>dotnet ScriptPlatform.Registry.dll create-admin-key --owner alice</c>: how the first admin key
/// comes to exist (never a built-in secret).
/// </summary>
public static class RegistryCommands
{
    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] == "create-admin-key";

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? errors = null)
    {
        output ??= Console.Out;
        errors ??= Console.Error;
        string? owner = null;
        var label = "admin (created from the command line)";
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--owner" when i + 1 < args.Length:
                    owner = args[++i];
                    break;
                case "--label" when i + 1 < args.Length:
                    label = args[++i];
                    break;
                case "--help" or "-h":
                    await output.WriteLineAsync("Usage: ScriptPlatform.Registry create-admin-key --owner NAME [--label TEXT]\nCreates an API key with admin scope in the database of ConnectionStrings__postgres and prints its secret once.");
                    return 0;
            }
        }

        if (ApiKeyStore.ValidateOwner(owner) is { } error)
        {
            await errors.WriteLineAsync($"create-admin-key: {error}. Usage: create-admin-key --owner NAME [--label TEXT]");
            return 2;
        }

        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Skip(1).Where(a => a.Contains('=', StringComparison.Ordinal)).ToArray())
            .Build();
        var connectionString = configuration.GetConnectionString(RegistryExtensions.PostgresConnectionName);
        if (string.IsNullOrEmpty(connectionString))
        {
            await errors.WriteLineAsync("create-admin-key: ConnectionStrings__postgres is not set; point it at the registry's database.");
            return 2;
        }

        await using var dataSource = RegistryExtensions.CreateDataSource(connectionString);
        await Migrator.MigrateAsync(dataSource);
        var keys = new ApiKeyStore(dataSource, TimeProvider.System);
        var (info, secret) = await keys.CreateAsync(owner!, label, [ApiKeyScope.Admin], null, "cli:create-admin-key", CancellationToken.None);
        await output.WriteLineAsync($"Created admin key {info.Id} for '{owner}'. The secret is shown only now; store it safely:");
        await output.WriteLineAsync(secret);
        return 0;
    }
}
