using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Sandbox;
using ProtoKillReason = ScriptPlatform.Contracts.Executor.V1.KillReason;

namespace ScriptPlatform.Runs;

/// <summary>Sandbox outcomes → the execution log's statuses and kill reasons.</summary>
public static class StatusMapping
{
    public static bool IsTerminal(ExecutionStatus status) => status is not (ExecutionStatus.Queued or ExecutionStatus.Running or ExecutionStatus.Unspecified);

    public static ExecutionStatus ToStatus(SandboxStatus status) => status switch
    {
        SandboxStatus.Success => ExecutionStatus.Success,
        SandboxStatus.Error => ExecutionStatus.Error,
        SandboxStatus.Timeout => ExecutionStatus.Timeout,
        SandboxStatus.Killed => ExecutionStatus.Killed,
        SandboxStatus.Cancelled => ExecutionStatus.Cancelled,
        _ => ExecutionStatus.Invalid,
    };

    public static ProtoKillReason ToKillReason(SandboxResult result) => result.Status switch
    {
        SandboxStatus.Timeout => ProtoKillReason.WallClock,
        SandboxStatus.Cancelled => ProtoKillReason.Cancelled,
        SandboxStatus.Killed => result.KillReason switch
        {
            KillReason.Memory => ProtoKillReason.Memory,
            KillReason.Processes => ProtoKillReason.Processes,
            KillReason.Output => ProtoKillReason.Output,
            KillReason.Cpu => ProtoKillReason.Cpu,
            KillReason.FileSize => ProtoKillReason.Disk,
            _ => ProtoKillReason.Unspecified,
        },
        _ => ProtoKillReason.Unspecified,
    };
}
