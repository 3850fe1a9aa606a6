using Grpc.Core;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Faults.Tests.Infrastructure;

/// <summary>A Registry process over its own database, with a publish key made the way an operator makes one.</summary>
public sealed class RegistryPlatform : IAsyncDisposable
{
    private readonly Dictionary<string, string> _settings;

    private RegistryPlatform(string database, int port, ServiceProcess process, string publishKey, Dictionary<string, string> settings) =>
        (Database, Port, Process, PublishKey, _settings) = (database, port, process, publishKey, settings);

    public string Database { get; }

    public int Port { get; }

    public ServiceProcess Process { get; private set; }

    public string PublishKey { get; }

    public CallOptions Publisher(TimeSpan deadline) =>
        new(headers: new Metadata { { "authorization", "Bearer " + PublishKey } }, deadline: DateTime.UtcNow + deadline);

    /// <param name="extraSettings">More configuration (<c>Section:Key</c> names), say <c>ConnectionStrings:qdrant</c>.</param>
    public static async Task<RegistryPlatform> StartAsync(string database, IReadOnlyDictionary<string, string>? extraSettings = null)
    {
        var port = ServiceProcess.FreePort();
        var settings = Settings(database, extraSettings);
        var process = await StartProcessAsync(settings, port);
        try
        {
            var admin = (await ServiceProcess.RunCommandAsync("ScriptPlatform.Registry", settings, "create-admin-key", "--owner", "faults"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
            using var channel = PlatformGrpcClients.CreateChannel(process.Address);
            var key = await new RegistryService.RegistryServiceClient(channel).CreateApiKeyAsync(
                new CreateApiKeyRequest { Owner = "faults", Label = "publisher", Scopes = { ApiKeyScope.Publish } },
                new CallOptions(headers: new Metadata { { "authorization", "Bearer " + admin } }));
            return new RegistryPlatform(database, port, process, key.Secret, settings);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the Registry again on the same port (after it was killed).</summary>
    public async Task RestartAsync()
    {
        await Process.DisposeAsync();
        Process = await StartProcessAsync(_settings, Port);
    }

    /// <param name="description">What the script does (what a search by meaning finds it by).</param>
    public static PublishRequest Publish(string name, string description = "Counts the records given to it") => new()
    {
        Name = name,
        Version = "1.0.0",
        Description = description + ", for the fault tests",
        Content = $$$"""
            # /// script
            # requires-python = ">=3.11"
            # [tool.scriptplatform]
            # category = "testing"
            # description = "{{{description}}}"
            # ///
            def execute(params):
                return {"status": "success", "data": {"count": len(params.get("items", []))}}
            """,
    };

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static Dictionary<string, string> Settings(string database, IReadOnlyDictionary<string, string>? extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:postgres"] = database,
            ["ConnectionStrings:rabbitmq"] = "",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    private static Task<ServiceProcess> StartProcessAsync(Dictionary<string, string> settings, int port) =>
        ServiceProcess.StartAsync("registry", "ScriptPlatform.Registry", settings, port);
}
