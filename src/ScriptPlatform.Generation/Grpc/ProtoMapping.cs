using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Generation.Validation;
using SandboxMetadata = ScriptPlatform.Sandbox.Metadata.ScriptMetadata;

namespace ScriptPlatform.Generation.Grpc;

/// <summary>From the validator's records to the wire types.</summary>
public static class ProtoMapping
{
    public static ValidationReport Report(DraftValidation v)
    {
        var report = new ValidationReport
        {
            Ok = v.Ok,
            Compiles = v.Static?.Compiles ?? false,
            HasEntryPoint = !string.IsNullOrEmpty(v.Static?.Entry),
            ImportsAvailable = v.Static is { Compiles: true } && !v.Findings.Any(f => f.Code is "unavailable_import" or "missing_dependency"),
            Metadata = v.Metadata is null ? new ScriptMetadata() : Metadata(v.Metadata),
            SmokeRun = new SmokeRun { Ran = v.Smoke.Ran, Note = v.Smoke.Note, Status = v.Smoke.Status, DataJson = v.Smoke.DataJson },
        };
        report.Issues.AddRange(v.Findings.OrderByDescending(f => f.IsError).Select(f => new ValidationIssue
        {
            Severity = f.IsError ? ValidationSeverity.Error : ValidationSeverity.Warning,
            Code = f.Code,
            Message = f.Message,
            Line = f.Line,
        }));
        return report;
    }

    public static ScriptMetadata Metadata(SandboxMetadata m)
    {
        var proto = new ScriptMetadata
        {
            Description = m.Description ?? "",
            Category = m.Category ?? "",
            CostPerUnit = (double)(m.CostPerUnit ?? 0),
            CostUnit = m.CostUnit ?? "",
            Network = m.Network,
            TimeoutSeconds = m.TimeoutSeconds is { } t ? (int)Math.Ceiling(t) : 0,
            RequiresPython = m.RequiresPython ?? "",
        };
        proto.Dependencies.AddRange(m.Dependencies);
        proto.Params.AddRange(Params(m));
        return proto;
    }

    public static IEnumerable<ParamSpec> Params(SandboxMetadata? m) => (m?.Parameters ?? []).Select(p => new ParamSpec
    {
        Name = p.Name,
        Type = p.Type,
        Description = p.Description ?? "",
        Required = p.Required,
        DefaultJson = p.Default?.GetRawText() ?? "",
    });

    public static IEnumerable<CapabilityWarning> Capabilities(DraftValidation v) => (v.Static?.Capabilities ?? []).Select(c => new CapabilityWarning
    {
        Capability = c.Capability switch
        {
            "network" => Capability.Network,
            "subprocess" => Capability.Subprocess,
            "file_write" => Capability.FileWrite,
            "environment" => Capability.Environment,
            "dynamic_code" => Capability.DynamicCode,
            _ => Capability.Unspecified,
        },
        Detail = c.Detail,
        Line = c.Line,
    });
}
