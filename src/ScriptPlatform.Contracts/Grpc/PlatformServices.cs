namespace ScriptPlatform.Contracts.Grpc;

/// <summary>
/// The services' resource names, shared by the AppHost (resource names), service discovery
/// (<c>http://registry</c>) and configuration (<c>services:registry:http:0</c>).
/// </summary>
public static class PlatformServices
{
    public const string Intent = "intent";
    public const string Generation = "generation";
    public const string Registry = "registry";
    public const string Executor = "executor";

    /// <summary>Default development ports (ARCHITECTURE.md), used when nothing else is configured.</summary>
    public static int DefaultPort(string service) => service switch
    {
        Intent => 7101,
        Generation => 7102,
        Registry => 7103,
        Executor => 7104,
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "not a ScriptPlatform service"),
    };
}
