using System.Text.Json;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Grpc;

/// <summary>A stock @grpc/grpc-js client against the real Registry: health, reflection, an error status.</summary>
public sealed class InteropTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Grpc_js_client_sees_health_reflection_and_invalid_argument_from_the_registry()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        await NodeInterop.RunAsync("service-interop.test.js", new Dictionary<string, string>
        {
            ["GRPC_TARGET"] = NodeInterop.Target(server.Address),
            ["GRPC_SERVICE"] = "scriptplatform.registry.v1.RegistryService",
            ["GRPC_ERROR_CALL"] = JsonSerializer.Serialize(new
            {
                method = "Load",
                request = new { script = new { name = "Not A Name" } },
                metadata = new Dictionary<string, string> { ["authorization"] = "Bearer " + server.ReaderSecret },
                details = "name",
            }),
        });
    }
}
