namespace ScriptPlatform.Grpc;

/// <summary>Per-call options of a client call. A deadline is sent as grpc-timeout and enforced locally too.</summary>
public sealed record CallOptions(DateTime? Deadline = null, Metadata? Headers = null, CancellationToken CancellationToken = default);
