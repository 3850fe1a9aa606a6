using Grpc.Core;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Faults.Tests.Infrastructure;

/// <summary>A Registry process over its own database, with a publish key made the way an operator makes one.</summary>
public sealed class RegistryPlatform : IAsyncDisposable
{
    private RegistryPlatform(string database, int port, ServiceProcess process, string publishKey) =>
        (Database, Port, Process, PublishKey) = (database, port, process, publishKey);

    public string Database { get; }

    public int Port { get; }

    public ServiceProcess Process { get; private set; }

    public string PublishKey { get; }

    public CallOptions Publisher(TimeSpan deadline) =>
        new(headers: new Metadata { { "authorization", "Bearer " + PublishKey } }, deadline: DateTime.UtcNow + deadline);

    public static async Task<RegistryPlatform> StartAsync(string database)
    {
        var port = ServiceProcess.FreePort();
        var process = await StartProcessAsync(database, port);
        try
        {
            var admin = (await ServiceProcess.RunCommandAsync("ScriptPlatform.Registry", Settings(database), "create-admin-key", "--owner", "faults"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
            using var channel = PlatformGrpcClients.CreateChannel(process.Address);
            var key = await new RegistryService.RegistryServiceClient(channel).CreateApiKeyAsync(
                new CreateApiKeyRequest { Owner = "faults", Label = "publisher", Scopes = { ApiKeyScope.Publish } },
                new CallOptions(headers: new Metadata { { "authorization", "Bearer " + admin } }));
            return new RegistryPlatform(database, port, process, key.Secret);
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
        Process = await StartProcessAsync(Database, Port);
    }

    public static PublishRequest Publish(string name) => new()
    {
        Name = name,
        Version = "1.0.0",
        Description = "Counts the records given to it, for the fault tests",
        Content = """
            # /// script
            # requires-python = ">=3.11"
            # [tool.scriptplatform]
            # category = "testing"
            # description = "Counts the records given to it"
            # ///
            def execute(params):
                return {"status": "success", "data": {"count": len(params.get("items", []))}}
            """,
    };

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static Dictionary<string, string> Settings(string database) => new()
    {
        ["ConnectionStrings:postgres"] = database,
        ["ConnectionStrings:rabbitmq"] = "",
    };

    private static Task<ServiceProcess> StartProcessAsync(string database, int port) =>
        ServiceProcess.StartAsync("registry", "ScriptPlatform.Registry", Settings(database), port);
}
