using Google.Protobuf.Reflection;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Grpc;

namespace ScriptPlatform.Contracts.Clients;

/// <summary>
/// Typed client of <c>scriptplatform.executor.v1.ExecutorService</c>: one method per rpc. Read-only rpcs are
/// marked idempotent, so the transport may retry them on UNAVAILABLE; writes are never retried.
/// Failures surface as the transport's RpcException carrying the status code and message.
/// </summary>
public sealed class ExecutorClient(GrpcChannel channel) : GrpcClientBase(channel, Descriptor)
{
    /// <summary>The <c>ExecutorService</c> descriptor, for binding a server implementation and for reflection.</summary>
    public static ServiceDescriptor Descriptor { get; } = ExecutorReflection.Descriptor.Services.Single(s => s.Name == "ExecutorService");

    /// <summary>Runs one script synchronously and returns its execution record.</summary>
    public Task<RunResponse> RunAsync(RunRequest request, CallOptions? options = null) =>
        UnaryAsync<RunRequest, RunResponse>("Run", request, options);

    /// <summary>Runs one script, streaming its output lines as they come and then the final record.</summary>
    public IAsyncEnumerable<RunStreamEvent> RunStreamAsync(RunRequest request, CallOptions? options = null) =>
        ServerStreamingAsync<RunRequest, RunStreamEvent>("RunStream", request, options);

    /// <summary>Queues a batch: one script with N parameter sets, or a list of script + params items.</summary>
    public Task<SubmitBatchResponse> SubmitBatchAsync(SubmitBatchRequest request, CallOptions? options = null) =>
        UnaryAsync<SubmitBatchRequest, SubmitBatchResponse>("SubmitBatch", request, options);

    /// <summary>A batch's counts by status, progress and a page of its results.</summary>
    public Task<GetBatchResponse> GetBatchAsync(GetBatchRequest request, CallOptions? options = null) =>
        UnaryAsync<GetBatchRequest, GetBatchResponse>("GetBatch", request, options, idempotent: true);

    /// <summary>Cancels one job or every unfinished job of a batch.</summary>
    public Task<CancelResponse> CancelAsync(CancelRequest request, CallOptions? options = null) =>
        UnaryAsync<CancelRequest, CancelResponse>("Cancel", request, options);

    /// <summary>One execution record by id.</summary>
    public Task<GetExecutionResponse> GetExecutionAsync(GetExecutionRequest request, CallOptions? options = null) =>
        UnaryAsync<GetExecutionRequest, GetExecutionResponse>("GetExecution", request, options, idempotent: true);

    /// <summary>Execution history filtered by script, status, batch, caller and time; newest first, paged.</summary>
    public Task<ListExecutionsResponse> ListExecutionsAsync(ListExecutionsRequest request, CallOptions? options = null) =>
        UnaryAsync<ListExecutionsRequest, ListExecutionsResponse>("ListExecutions", request, options, idempotent: true);
}
