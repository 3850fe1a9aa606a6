using System.Net;
using System.Net.Sockets;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Executor.Tests.Infrastructure;

namespace ScriptPlatform.Executor.Tests;

/// <summary>
/// A script that declares network gets it only where the operator allows it, and a caller can
/// withhold it (limits.network = false), on the synchronous path and through the queue alike.
/// </summary>
public sealed class NetworkTests(Platform platform)
{
    [Fact]
    public async Task A_caller_can_withhold_network_from_a_script_that_declares_it()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var script = $$"""
            # /// script
            # [tool.scriptplatform]
            # network = true
            # ///
            import socket
            def execute(params):
                socket.create_connection(("127.0.0.1", {{((IPEndPoint)listener.LocalEndpoint).Port}}), timeout=2).close()
                return "connected"
            """;
        await using var host = await ExecutorHost.StartAsync(platform, settings: new Dictionary<string, string?> { ["ScriptPlatform:Sandbox:AllowNetwork"] = "true" });

        var unset = (await host.Client.RunAsync(Scripts.Inline(script))).Execution;
        var asked = (await host.Client.RunAsync(new RunRequest(Scripts.Inline(script)) { Limits = new Limits { Network = true } })).Execution;
        var withheld = (await host.Client.RunAsync(new RunRequest(Scripts.Inline(script)) { Limits = new Limits { Network = false } })).Execution;
        var batch = await host.Client.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = script }, ParamsJson = { "{}" } },
            Limits = new Limits { Network = false },
        });
        await host.Client.BatchFinishedAsync(batch.BatchId);
        var queued = (await host.Client.GetBatchAsync(new GetBatchRequest { BatchId = batch.BatchId, IncludeResults = true })).Results.Single();

        Assert.Equal((ExecutionStatus.Success, ExecutionStatus.Success), (unset.Status, asked.Status));
        // Without network the seccomp filter refuses IP sockets.
        Assert.Equal((ExecutionStatus.Error, "PermissionError"), (withheld.Status, withheld.Error.Type));
        Assert.Equal((ExecutionStatus.Error, "PermissionError"), (queued.Status, queued.Error.Type));
    }
}
