using System.Diagnostics;

namespace ScriptPlatform.Grpc.Tests;

/// <summary>Runs tests/interop (a stock @grpc/grpc-js client) against our server, started here.</summary>
public sealed class InteropTests
{
    [Fact]
    public async Task Grpc_js_client_interop_suite_passes_against_our_server()
    {
        var interop = Path.Combine(RepositoryRoot.Path, "tests", "interop");
        Assert.True(
            Directory.Exists(Path.Combine(interop, "node_modules", "@grpc", "grpc-js")),
            "tests/interop/node_modules is missing: run ./build.sh test (it runs npm ci in tests/interop)");
        await using var server = await GrpcTestServer.StartAsync();

        var start = new ProcessStartInfo("node", ["--test", "--test-reporter=spec", "grpc-interop.test.js"])
        {
            WorkingDirectory = interop,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["GRPC_TARGET"] = $"{server.Address.Host}:{server.Address.Port}", ["NO_COLOR"] = "1" },
        };
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = node.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw;
        }

        TestContext.Current.TestOutputHelper?.WriteLine(await stdout);
        Assert.True(node.ExitCode == 0, $"node --test exited with {node.ExitCode}:\n{await stdout}\n{await stderr}");
    }
}
