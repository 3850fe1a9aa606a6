using Grpc.Core;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Intent.Domain;

namespace ScriptPlatform.Intent.Actions;

/// <summary>
/// Carries out a confirmed plan through the Registry and the Executor with the caller's own key,
/// and answers with the seed's messages. A failure of the downstream call is an outcome with ok =
/// false (the confirmation itself was handled), never a half-done action reported as done.
/// </summary>
public sealed class ActionRunner(PlatformClients clients)
{
    public const string Generated = "Code generated successfully!";
    public const string Executed = "Code executed successfully!";
    public const string Updated = "Code updated successfully!";
    public const string Deleted = "Code deleted successfully!";
    public const string Published = "Code published successfully!";
    public const string BatchQueued = "Batch submitted successfully!";

    public async Task<ActionOutcome> RunAsync(ActionPlan plan, Guid confirmationId, CallerIdentity caller)
    {
        try
        {
            return plan.Kind switch
            {
                ActionKind.Generate => await PublishAsync(plan, caller, Generated, agentId: plan.AgentId),
                ActionKind.Update => await PublishAsync(plan, caller, Updated, agentId: null),
                ActionKind.Publish => await PublishAsync(plan, caller, Published, agentId: null),
                ActionKind.Run => await ExecuteAsync(plan, confirmationId, caller),
                ActionKind.Batch => await BatchAsync(plan, confirmationId, caller),
                ActionKind.Delete => await DeleteAsync(plan, caller),
                _ => throw new ArgumentOutOfRangeException(nameof(plan), plan.Kind, "not a write action"),
            };
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.Cancelled or StatusCode.DeadlineExceeded))
        {
            return new ActionOutcome
            {
                Kind = plan.Kind, Ok = false, Name = plan.Name, Version = plan.Version ?? "", ErrorCode = (int)e.StatusCode, ErrorMessage = e.Status.Detail,
                Message = $"The {Verb(plan.Kind)} of {plan.Name} failed ({e.StatusCode}): {e.Status.Detail}",
            };
        }
    }

    private async Task<ActionOutcome> PublishAsync(ActionPlan plan, CallerIdentity caller, string success, string? agentId)
    {
        var request = new PublishRequest
        {
            Name = plan.Name, Version = plan.Version, Content = plan.Content, Changelog = plan.Changelog ?? "", Summary = plan.Summary ?? "",
            Category = plan.Category ?? "", Description = plan.Description ?? "", AgentId = agentId ?? "",
        };
        var published = await clients.Registry.PublishAsync(request, caller.Downstream());
        return new ActionOutcome
        {
            Kind = plan.Kind, Ok = true, Message = success, Published = published,
            Name = plan.Name, Version = published.Version.Version,
        };
    }

    private async Task<ActionOutcome> ExecuteAsync(ActionPlan plan, Guid confirmationId, CallerIdentity caller)
    {
        // The confirmation id is the execution id: a retried confirm cannot run the script twice.
        var response = await clients.Executor.RunAsync(new RunRequest
        {
            Script = new ScriptRef { Name = plan.Name, VersionSelector = plan.Version },
            ParamsJson = plan.ParamsJson ?? "{}",
            ExpectedContentHash = plan.ContentHash ?? "",
            Caller = caller.RecordedCaller,
            ExecutionId = confirmationId.ToString(),
        }, caller.Downstream());
        var execution = response.Execution;
        var ok = execution.Status == ExecutionStatus.Success;
        var message = ok
            ? Executed
            : $"The run of {plan.Name} finished with status {execution.Status}: {execution.Error?.Type} {execution.Error?.Message}".TrimEnd();
        return new ActionOutcome
        {
            Kind = ActionKind.Run, Ok = ok, Message = message, Execution = execution, Name = plan.Name, Version = execution.Version,
            ExecutionId = execution.Id, OutputJson = execution.DataJson, ErrorMessage = ok ? "" : execution.Error?.Message ?? "",
        };
    }

    private async Task<ActionOutcome> BatchAsync(ActionPlan plan, Guid confirmationId, CallerIdentity caller)
    {
        var fanOut = new BatchFanOut { Script = new ScriptRef { Name = plan.Name, VersionSelector = plan.Version } };
        fanOut.ParamsJson.AddRange(plan.Rows ?? []);
        var submitted = await clients.Executor.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = fanOut, Caller = caller.RecordedCaller, BatchId = confirmationId.ToString(), Label = $"{plan.Name} × {plan.File}",
        }, caller.Downstream());
        return new ActionOutcome
        {
            Kind = ActionKind.Batch, Ok = true, Message = $"{BatchQueued} ({submitted.JobCount} runs of {plan.Name}, batch {submitted.BatchId})",
            Batch = submitted, Name = plan.Name, Version = plan.Version ?? "", ExecutionId = submitted.BatchId,
        };
    }

    private async Task<ActionOutcome> DeleteAsync(ActionPlan plan, CallerIdentity caller)
    {
        var removed = await clients.Registry.RemoveAsync(new RemoveRequest
        {
            Name = plan.Name, Mode = plan.RemoveMode, Version = plan.Version ?? "", Reason = "deleted through Intent",
        }, caller.Downstream());
        return new ActionOutcome { Kind = ActionKind.Delete, Ok = true, Message = Deleted, Removed = removed, Name = plan.Name, Version = plan.Version ?? "" };
    }

    private static string Verb(ActionKind kind) => kind switch
    {
        ActionKind.Generate => "generation",
        ActionKind.Update => "update",
        ActionKind.Publish => "publish",
        ActionKind.Run => "run",
        ActionKind.Batch => "batch",
        ActionKind.Delete => "deletion",
        _ => "action",
    };
}
