using Microsoft.Extensions.Configuration;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Sandbox;

namespace ScriptPlatform.Cli.Infrastructure;

/// <summary>
/// Where sp keeps its files and how it is configured. Configuration, lowest precedence first: the
/// default endpoints of ARCHITECTURE.md, the user's config file (<c>~/.scriptplatform/config.json</c>,
/// or <c>SCRIPTPLATFORM_CONFIG</c>), Aspire-style variables (<c>services__registry__http__0</c>), then
/// <c>SCRIPTPLATFORM_*</c> variables (<c>SCRIPTPLATFORM_SERVICES__REGISTRY__HTTP__0</c>,
/// <c>SCRIPTPLATFORM_API_KEY</c>, <c>SCRIPTPLATFORM_SANDBOX__SLOTS</c>). Service addresses use the
/// service-discovery keys the services themselves use (<c>services:{name}:http:0</c>).
/// </summary>
public sealed class CliSettings
{
    public const string Prefix = "SCRIPTPLATFORM_";

    /// <summary>The file the development Registry writes its admin key to (owner-only), under the user's config directory.</summary>
    public const string DevelopmentKeyFileName = "dev-admin-key";

    // The CLI's local sandbox slots run as their own host uids when sp runs as root; a range apart from the
    // Executor's default (61000), whose slot sweeps would otherwise kill each other's jobs.
    private const int DefaultBaseUid = 62000;

    private CliSettings(CliEnvironment environment, IConfiguration configuration, string configFile)
    {
        Environment = environment;
        Configuration = configuration;
        ConfigFile = configFile;
    }

    public CliEnvironment Environment { get; }

    public IConfiguration Configuration { get; }

    /// <summary><c>~/.scriptplatform</c>: the user tier, the user lockfile, run history and credentials.</summary>
    public string ConfigDirectory => Path.Combine(Environment.Home, ".scriptplatform");

    public string ConfigFile { get; }

    public string UserScripts => Path.Combine(ConfigDirectory, "scripts");

    public string HistoryFile => Path.Combine(ConfigDirectory, ".runs", "history.jsonl");

    public string DevelopmentKeyFile => Path.Combine(ConfigDirectory, DevelopmentKeyFileName);

    /// <summary>Who runs this sp (recorded as the caller of local runs).</summary>
    public string Caller => Configuration["caller"] ?? "cli:" + (Environment.Variable("USER") ?? "user");

    public static CliSettings Load(CliEnvironment environment)
    {
        var configFile = environment.Variable(Prefix + "CONFIG") ?? Path.Combine(environment.Home, ".scriptplatform", "config.json");
        var defaults = new Dictionary<string, string?>();
        foreach (var service in new[] { PlatformServices.Intent, PlatformServices.Generation, PlatformServices.Registry, PlatformServices.Executor })
        {
            defaults[$"services:{service}:http:0"] = $"http://127.0.0.1:{PlatformServices.DefaultPort(service)}";
        }

        var builder = new ConfigurationBuilder().AddInMemoryCollection(defaults);
        if (File.Exists(configFile))
        {
            try
            {
                builder.AddJsonFile(configFile, optional: true, reloadOnChange: false);
                builder.Build();
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
            {
                throw new CliError("config_invalid", $"The config file {configFile} cannot be read: {ex.Message}",
                    "Fix the JSON (for example {\"services\": {\"registry\": {\"http\": [\"http://127.0.0.1:7103\"]}}, \"api_key\": \"...\"}) or remove the file.");
            }
        }

        builder.AddInMemoryCollection(environment.Variables
            .Where(v => v.Key.StartsWith("services__", StringComparison.OrdinalIgnoreCase))
            .Select(v => KeyValuePair.Create(v.Key.Replace("__", ":", StringComparison.Ordinal), (string?)v.Value)));
        builder.AddInMemoryCollection(environment.Variables
            .Where(v => v.Key.StartsWith(Prefix, StringComparison.Ordinal) && v.Key.Length > Prefix.Length)
            .Select(v => KeyValuePair.Create(v.Key[Prefix.Length..].Replace("__", ":", StringComparison.Ordinal), (string?)v.Value)));
        return new CliSettings(environment, builder.Build(), configFile);
    }

    /// <summary>The configured address of a platform service (for messages and health checks).</summary>
    public Uri ServiceAddress(string service)
    {
        var text = Configuration[$"services:{service}:http:0"] ?? Configuration[$"services:{service}:https:0"] ?? $"http://127.0.0.1:{PlatformServices.DefaultPort(service)}";
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw CliError.UsageError("config_invalid", $"The address '{text}' configured for the {service} service is not an http(s) URL.",
                $"Set SCRIPTPLATFORM_SERVICES__{service.ToUpperInvariant()}__HTTP__0=http://HOST:PORT.");
    }

    /// <summary>
    /// The API key: <c>SCRIPTPLATFORM_API_KEY</c>, else <c>api_key</c> in the user's config file, else the
    /// key a development Registry provisioned. Files holding a key must be readable by their owner only.
    /// </summary>
    public string? ApiKey()
    {
        if (Environment.Variable(Prefix + "API_KEY") is { } fromEnvironment)
        {
            return fromEnvironment;
        }

        if (Configuration["api_key"] is { Length: > 0 } fromConfig)
        {
            RequireOwnerOnly(ConfigFile);
            return fromConfig;
        }

        if (File.Exists(DevelopmentKeyFile))
        {
            RequireOwnerOnly(DevelopmentKeyFile);
            return File.ReadAllText(DevelopmentKeyFile).Trim() is { Length: > 0 } key ? key : null;
        }

        return null;
    }

    /// <summary>Settings of the local sandbox (<c>SCRIPTPLATFORM_SANDBOX__*</c>).</summary>
    public SandboxOptions SandboxOptions()
    {
        // One run per process: a standby sandbox would be started only to be taken down at exit.
        var options = new SandboxOptions { Slots = 2, BaseUid = DefaultBaseUid, StandbySandboxes = false };
        Configuration.GetSection("sandbox").Bind(options);
        return options;
    }

    /// <summary>Writes a secret file readable by its owner only (created so, never widened first).</summary>
    public static void WriteOwnerOnly(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp-" + System.Environment.ProcessId;
        using (var stream = new FileStream(temporary, new FileStreamOptions
               {
                   Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static void RequireOwnerOnly(string path)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new CliError("credentials_exposed", $"{path} holds an API key but others can read it; sp will not use it.",
                $"Run: chmod 600 {path}");
        }
    }
}
