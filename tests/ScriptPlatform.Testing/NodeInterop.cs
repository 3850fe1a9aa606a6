using System.Diagnostics;
using Xunit;

namespace ScriptPlatform.Testing;

/// <summary>
/// Runs a test file of tests/interop (a stock @grpc/grpc-js client under <c>node --test</c>) against a
/// server the calling test started, and fails unless every node test passes.
/// </summary>
/// <example>
/// <code>
/// await NodeInterop.RunAsync("service-interop.test.js", new Dictionary&lt;string, string&gt;
/// {
///     ["GRPC_TARGET"] = NodeInterop.Target(server.Address),
///     ["GRPC_SERVICE"] = "scriptplatform.registry.v1.RegistryService",
///     ["GRPC_ERROR_CALL"] = """{"method":"Load","request":{"name":""}}""",
/// });
/// </code>
/// </example>
public static class NodeInterop
{
    /// <summary>tests/interop, where the node test files and their node_modules live.</summary>
    public static string Directory { get; } = Path.Combine(RepositoryRoot.Path, "tests", "interop");

    /// <summary>The <c>host:port</c> form of a server address, as GRPC_TARGET takes it.</summary>
    public static string Target(Uri address) => $"{address.Host}:{address.Port}";

    /// <summary>
    /// Runs <c>node --test <paramref name="testFile"/></c> in tests/interop with <paramref name="environment"/>
    /// added to this process's environment, writes node's report to the test output, and throws
    /// (failing the test) unless node exits 0 within <paramref name="timeout"/> (default 120 s).
    /// </summary>
    public static async Task RunAsync(string testFile, IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null)
    {
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@grpc", "grpc-js")))
        {
            throw new InvalidOperationException(
                "tests/interop/node_modules is missing: run `npm ci --prefix tests/interop` (./build.sh test does it).");
        }

        var start = new ProcessStartInfo("node", ["--test", "--test-reporter=spec", testFile])
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["NO_COLOR"] = "1" },
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var cancellation = TestContext.Current.CancellationToken;
        var stdout = node.StandardOutput.ReadToEndAsync(cancellation);
        var stderr = node.StandardError.ReadToEndAsync(cancellation);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            await node.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"node --test {testFile} did not finish within {timeout ?? TimeSpan.FromSeconds(120)}.");
        }

        var report = await stdout;
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        if (node.ExitCode != 0)
        {
            throw new InvalidOperationException($"node --test {testFile} exited with {node.ExitCode}:\n{report}\n{await stderr}");
        }
    }
}
