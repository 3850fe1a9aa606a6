using ScriptPlatform.Testing;

namespace ScriptPlatform.ServiceDefaults.Tests;

/// <summary>Runs tests/interop (a stock @grpc/grpc-js client) against a server configured with the defaults.</summary>
public sealed class InteropTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private GrpcTestServer Server => shared.Server;

    [Fact]
    public Task Grpc_js_interop_suite_passes_against_a_server_with_the_defaults() =>
        NodeInterop.RunAsync("grpc-interop.test.js", new Dictionary<string, string>
        {
            ["GRPC_TARGET"] = NodeInterop.Target(Server.Address),
        });

    [Fact]
    public Task Service_interop_suite_passes_against_the_test_service() =>
        NodeInterop.RunAsync("service-interop.test.js", new Dictionary<string, string>
        {
            ["GRPC_TARGET"] = NodeInterop.Target(Server.Address),
            ["GRPC_SERVICE"] = GrpcTestServer.ServiceName,
            ["GRPC_ERROR_CALL"] = """{"method":"Echo","request":{"message":"bad","fail_code":3,"fail_message":"message must not be bad"},"details":"must not be bad"}""",
            // The test service's proto is not under protos/; service-interop loads from here instead.
            ["GRPC_PROTO_ROOT"] = Path.Combine(RepositoryRoot.Path, "tests", "ScriptPlatform.ServiceDefaults.Tests", "Protos"),
        });
}
