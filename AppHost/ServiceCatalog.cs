namespace ScriptPlatform.AppHost;

/// <summary>A platform service the AppHost can run.</summary>
/// <param name="Name">Short name used in configuration and logs.</param>
/// <param name="Project">Project folder and assembly name under src/.</param>
/// <param name="DefaultPort">Default gRPC (h2c) port from ARCHITECTURE.md.</param>
/// <param name="Database">Its own Postgres database, or null when it keeps no data.</param>
/// <param name="UsesRabbitMq">Whether it needs the RabbitMQ connection string.</param>
public sealed record ServiceDefinition(string Name, string Project, int DefaultPort, string? Database, bool UsesRabbitMq);

/// <summary>Every service of the platform, in start order (dependencies first). Resource names live here only.</summary>
public static class ServiceCatalog
{
    public static readonly IReadOnlyList<ServiceDefinition> All =
    [
        new("registry", "ScriptPlatform.Registry", 7103, "registry", UsesRabbitMq: true),
        new("generation", "ScriptPlatform.Generation", 7102, Database: null, UsesRabbitMq: false),
        new("executor", "ScriptPlatform.Executor", 7104, "executor", UsesRabbitMq: true),
        new("intent", "ScriptPlatform.Intent", 7101, "intent", UsesRabbitMq: false),
    ];
}
