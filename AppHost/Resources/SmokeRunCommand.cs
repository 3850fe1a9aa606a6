using Aspire.Hosting.ApplicationModel;
using Grpc.Net.Client;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;

namespace ScriptPlatform.AppHost.Resources;

public static class SmokeRunCommand
{
    private const string Script = """
        def execute(params):
            return {"status": "success", "data": {"sum": params["a"] + params["b"]}}
        """;

    /// <summary>
    /// A dashboard command on the Executor: runs a two-line script in the sandbox through the real
    /// Run rpc, so an operator sees in one click that runs work end to end.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSmokeRunCommand(this IResourceBuilder<ProjectResource> executor)
    {
        var endpoint = executor.GetEndpoint(PlatformServiceExtensions.GrpcEndpoint);
        return executor.WithCommand("smoke-run", "Smoke run", async context =>
        {
            using var channel = GrpcChannel.ForAddress(endpoint.Url);
            try
            {
                var response = await new ExecutorService.ExecutorServiceClient(channel).RunAsync(
                    new RunRequest { Inline = new InlineScript { Content = Script }, ParamsJson = """{"a": 20, "b": 22}""", Caller = "apphost:smoke-run" },
                    deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: context.CancellationToken);
                return response.Execution.Status == ExecutionStatus.Success
                    ? CommandResults.Success()
                    : CommandResults.Failure($"the script ended {response.Execution.Status}: {response.Execution.Error?.Message}");
            }
            catch (Grpc.Core.RpcException e)
            {
                return CommandResults.Failure($"Run failed: {e.StatusCode} {e.Status.Detail}");
            }
        }, new CommandOptions
        {
            Description = "Runs a tiny script in the sandbox through the Executor's Run rpc.",
            IconName = "Play",
            UpdateState = context => context.ResourceSnapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
    }
}
