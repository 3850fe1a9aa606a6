using System.Text.Json;

namespace ScriptPlatform.Sandbox.Limits;

/// <summary>
/// A runtime's default limits, declared as data in <c>Limits/Profiles/{runtime}.json</c> (embedded)
/// so that they can be read and reviewed without reading the runner code.
/// </summary>
public sealed record RuntimeProfile(SandboxRuntime Runtime, ResourceLimits Defaults)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    public static RuntimeProfile For(SandboxRuntime runtime)
    {
        var name = $"ScriptPlatform.Sandbox.Limits.Profiles.{runtime.ToString().ToLowerInvariant()}.json";
        using var stream = typeof(RuntimeProfile).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"no embedded limit profile {name}");
        var limits = JsonSerializer.Deserialize<ResourceLimits>(stream, Json)
            ?? throw new InvalidOperationException($"limit profile {name} is empty");
        return new RuntimeProfile(runtime, limits);
    }
}
