using System.Text.Json;
using ScriptPlatform.Executor.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Executor.Tests;

/// <summary>A stock @grpc/grpc-js client against the real Executor: health, reflection, an error status.</summary>
public sealed class InteropTests(Platform platform)
{
    [Fact]
    public async Task Grpc_js_client_sees_health_reflection_and_invalid_argument_from_the_executor()
    {
        await NodeInterop.RunAsync("service-interop.test.js", new Dictionary<string, string>
        {
            ["GRPC_TARGET"] = NodeInterop.Target(platform.Shared.Address),
            ["GRPC_SERVICE"] = "scriptplatform.executor.v1.ExecutorService",
            ["GRPC_ERROR_CALL"] = JsonSerializer.Serialize(new { method = "Run", request = new { params_json = "{}" }, details = "Say what to run" }),
        });
    }
}
