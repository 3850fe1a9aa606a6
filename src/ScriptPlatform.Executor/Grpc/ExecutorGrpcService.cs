using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MassTransit;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Executor.Auth;
using ScriptPlatform.Executor.Domain;
using ScriptPlatform.Executor.Infrastructure;
using ScriptPlatform.Runs;
using ScriptPlatform.Sandbox;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Executor.Grpc;

/// <summary>
/// <c>scriptplatform.executor.v1.ExecutorService</c>. Synchronous runs execute in this process's
/// sandbox (no queue hop, so their latency is the sandbox's); batches go to the workers through RabbitMQ.
/// </summary>
[BindServiceMethod(typeof(StrictServiceBinding<ExecutorService.ExecutorServiceBase>), "BindService")]
public sealed partial class ExecutorGrpcService(
    ScriptResolver resolver, ExecutionStore store, JobRunner runner, JobQueue queue, RunningJobs running, IBus bus, IOptions<ExecutorOptions> options,
    ExecutorAuthorizer auth, RunAdmission admission, ILogger<ExecutorGrpcService> logger)
    : ExecutorService.ExecutorServiceBase
{
    private const string DefaultCancelReason = "cancelled by the caller";

    /// <summary>
    /// Output lines RunStream holds for a client that reads more slowly than the script prints. The
    /// sandbox caps the output's bytes but not its line count, and a line costs about 150 bytes of
    /// objects even when empty; beyond this many waiting lines the newest are dropped and counted.
    /// </summary>
    public const int StreamBufferLines = 1024;

    private readonly ExecutorOptions _options = options.Value;

    /// <summary>Runs one script synchronously and returns its execution record.</summary>
    public override async Task<RunResponse> Run(RunRequest request, ServerCallContext context)
    {
        var identity = auth.Require(context, ApiKeyScope.Run);
        using var admitted = admission.Enter();
        var (job, existing) = await PrepareRunAsync(request, identity, context.CancellationToken).ConfigureAwait(false);
        return new RunResponse { Execution = existing ?? await runner.RunAsync(job!, null, context.CancellationToken).ConfigureAwait(false) };
    }

    /// <summary>Runs one script, streaming its output lines as they come and then the final record.</summary>
    public override async Task RunStream(RunRequest request, IServerStreamWriter<RunStreamEvent> responseStream, ServerCallContext context)
    {
        var identity = auth.Require(context, ApiKeyScope.Run);
        using var admitted = admission.Enter();
        var (job, existing) = await PrepareRunAsync(request, identity, context.CancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            await responseStream.WriteAsync(new RunStreamEvent { Result = existing }).ConfigureAwait(false);
            return;
        }

        await responseStream.WriteAsync(new RunStreamEvent { Started = JobRunner.Started(job!.ExecutionId, job.Script) }).ConfigureAwait(false);
        // Bounded, and never waited on: the script must not be slowed by the client, and the result
        // (which keeps the output's tail) must always come. Dropped lines keep their sequence numbers,
        // so the gaps show where they were, and a final notice says how many.
        var lines = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(StreamBufferLines) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        long sequence = 0;
        long dropped = 0;
        void OnOutput(OutputLine line)
        {
            var number = Interlocked.Increment(ref sequence);
            if (!lines.Writer.TryWrite(LogLineOf(line.Stream, line.Text, number)))
            {
                Interlocked.Increment(ref dropped);
            }
        }

        var run = Task.Run(async () =>
        {
            try
            {
                return await runner.RunAsync(job, OnOutput, context.CancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lines.Writer.TryComplete();
            }
        });

        await foreach (var line in lines.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(new RunStreamEvent { Log = line }).ConfigureAwait(false);
        }

        var result = await run.ConfigureAwait(false);
        if (Interlocked.Read(ref dropped) is > 0 and var count)
        {
            var notice = $"[scriptplatform] {count} output lines were not streamed because the client read more slowly than the script printed; the result's stdout_tail and stderr_tail keep the end of the output.";
            await responseStream.WriteAsync(new RunStreamEvent { Log = LogLineOf(OutputStream.Stderr, notice, Interlocked.Increment(ref sequence)) }).ConfigureAwait(false);
        }

        await responseStream.WriteAsync(new RunStreamEvent { Result = result }).ConfigureAwait(false);
    }

    /// <summary>Queues a batch: one script with N parameter sets, or a list of script + params items.</summary>
    public override async Task<SubmitBatchResponse> SubmitBatch(SubmitBatchRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var identity = auth.Require(context, ApiKeyScope.Run);
        var budget = RequestValidation.Budget(request.HasBudgetUsd, request.BudgetUsd);
        var limits = request.Limits;
        RequestValidation.Limits(limits);
        var batchId = RequestValidation.OptionalId(request.BatchId, "batch_id") ?? Guid.NewGuid();
        var caller = identity.Recorded(request.Caller);
        var label = RequestValidation.Text(request.Label, "label", RequestValidation.MaxNameLength);
        if (await ReplayAsync(batchId, ct).ConfigureAwait(false) is { } replay)
        {
            return replay;
        }

        // Counted before any script is resolved or params parsed: an oversized batch costs nothing more.
        var jobCount = request.JobsCase switch
        {
            SubmitBatchRequest.JobsOneofCase.FanOut => request.FanOut.ParamsJson.Count,
            SubmitBatchRequest.JobsOneofCase.Items => request.Items.Items.Count,
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "Give the batch's jobs: fan_out (one script, many params) or items (script + params each).")),
        };
        if (jobCount == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The batch has no jobs: give at least one params object."));
        }

        if (jobCount > _options.MaxBatchJobs)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"The batch has {jobCount} jobs; the limit is {_options.MaxBatchJobs}. Split it into several batches."));
        }

        var jobs = new List<(ResolvedScript Script, string Params, double Estimate)>(jobCount);
        switch (request.JobsCase)
        {
            case SubmitBatchRequest.JobsOneofCase.FanOut:
                var script = await resolver.ResolveAsync(request.FanOut.Script, request.FanOut.Inline, null, identity.RegistryHeaders, ct).ConfigureAwait(false);
                for (var i = 0; i < request.FanOut.ParamsJson.Count; i++)
                {
                    jobs.Add(Job(script, request.FanOut.ParamsJson[i], $"fan_out.params_json[{i}]"));
                }

                break;
            case SubmitBatchRequest.JobsOneofCase.Items:
                var resolved = new Dictionary<string, ResolvedScript>();
                for (var i = 0; i < request.Items.Items.Count; i++)
                {
                    var item = request.Items.Items[i];
                    var key = item.SourceCase == BatchItem.SourceOneofCase.Script
                        ? $"r:{item.Script.Name}@{item.Script.VersionSelector}"
                        : $"i:{item.Inline?.Name}:{ResolvedScript.Hash(item.Inline?.Content ?? "")}";
                    if (!resolved.TryGetValue(key, out var itemScript))
                    {
                        try
                        {
                            itemScript = await resolver.ResolveAsync(item.Script, item.Inline, null, identity.RegistryHeaders, ct).ConfigureAwait(false);
                        }
                        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.ResourceExhausted)
                        {
                            // "script.name is empty" alone does not say which of thousands of items to fix.
                            throw new RpcException(new Status(e.StatusCode, $"items[{i}]: {e.Status.Detail}"), e.Trailers);
                        }

                        resolved[key] = itemScript;
                    }

                    jobs.Add(Job(itemScript, item.ParamsJson, $"items[{i}].params_json"));
                }

                break;
        }

        var estimate = jobs.Sum(j => j.Estimate);
        if (!double.IsFinite(estimate))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The batch's total estimated cost overflows to infinity; check the cost units in its params or split it."));
        }

        if (budget is { } b && estimate > b)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"estimated cost {estimate:0.######} USD for {jobs.Count} jobs exceeds the budget of {b:0.######} USD; nothing was queued. Raise the budget or submit fewer jobs."));
        }

        var rows = jobs.Select((j, i) => new NewExecution(Guid.NewGuid(), j.Script.Name, j.Script.Version, j.Script.ContentHash, batchId, i, j.Params, caller)).ToList();
        var runLimits = RequestValidation.ToMessage(limits);
        var inline = jobs.Where(j => j.Script.Version is null).Select(j => j.Script).DistinctBy(j => j.ContentHash).ToDictionary(j => j.ContentHash, j => j.Content);
        var batchRow = new NewBatch(batchId, label, caller, rows.Count, budget, estimate, RecoverySweeper.LimitsToJson(runLimits), inline);
        if (!await store.InsertBatchAsync(batchRow, rows, ct).ConfigureAwait(false))
        {
            return await ReplayAsync(batchId, ct).ConfigureAwait(false) ?? throw new RpcException(new Status(StatusCode.Aborted, "batch id conflict; retry"));
        }

        var now = DateTimeOffset.UtcNow;
        var messages = rows.Select((row, i) => new RunScript(
            row.Id, batchId, i, row.ScriptName, row.Version, row.ContentHash, jobs[i].Script.Version is null ? jobs[i].Script.Content : null,
            row.ParamsJson, runLimits, string.IsNullOrEmpty(caller) ? null : caller, null, now)).ToList();
        // The rows are committed first, so a worker always finds the job it is given. Should this
        // process die, or the broker fail, before every message is confirmed, the batch stays
        // undispatched and the RecoverySweeper sends its queued jobs again. So a send failure is not the
        // client's failure: answering an error would make it retry without the batch id and duplicate the batch.
        try
        {
            await queue.SendAsync(messages, CancellationToken.None).ConfigureAwait(false);
            await store.MarkDispatchedAsync(batchId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogDispatchFailed(ex, batchId, rows.Count);
        }

        return new SubmitBatchResponse { BatchId = batchId.ToString(), JobCount = rows.Count, EstimatedCostUsd = estimate };
    }

    /// <summary>A batch's counts by status, progress and a page of its results.</summary>
    public override async Task<GetBatchResponse> GetBatch(GetBatchRequest request, ServerCallContext context)
    {
        auth.Require(context, ApiKeyScope.Read);
        var id = RequestValidation.RequiredId(request.BatchId, "batch_id");
        var batch = await store.GetBatchAsync(id, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"batch {id} not found; check the id SubmitBatch returned."));
        var response = new GetBatchResponse { Batch = batch };
        if (request.IncludeResults)
        {
            response.Page = await ListPageAsync(new ExecutionFilter(BatchId: id, Statuses: request.Statuses), request.Page, response.Results, context.CancellationToken)
                .ConfigureAwait(false);
        }

        return response;
    }

    /// <summary>Cancels one job or every unfinished job of a batch.</summary>
    public override async Task<CancelResponse> Cancel(CancelRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        auth.Require(context, ApiKeyScope.Run);
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? DefaultCancelReason : RequestValidation.Text(request.Reason, "reason", RequestValidation.MaxReasonLength);
        switch (request.TargetCase)
        {
            case CancelRequest.TargetOneofCase.ExecutionId:
            {
                var id = RequestValidation.RequiredId(request.ExecutionId, "execution_id");
                var current = await store.GetAsync(id, ct).ConfigureAwait(false)
                    ?? throw new RpcException(new Status(StatusCode.NotFound, $"execution {id} not found."));
                var cancelled = await store.CancelAsync(id, null, reason, ct).ConfigureAwait(false);
                if (cancelled.Count == 0)
                {
                    var now = await store.GetAsync(id, ct).ConfigureAwait(false) ?? current;
                    throw new RpcException(new Status(StatusCode.FailedPrecondition,
                        $"execution {id} already finished with status {now.Status}; only queued or running jobs can be cancelled."));
                }

                await KillCancelledAsync(new ExecutionCancellationRequested(id, null, reason, DateTimeOffset.UtcNow)).ConfigureAwait(false);
                return new CancelResponse { CancelledCount = 1, Execution = await store.GetAsync(id, ct).ConfigureAwait(false) };
            }

            case CancelRequest.TargetOneofCase.BatchId:
            {
                var id = RequestValidation.RequiredId(request.BatchId, "batch_id");
                var before = await store.GetBatchAsync(id, ct).ConfigureAwait(false)
                    ?? throw new RpcException(new Status(StatusCode.NotFound, $"batch {id} not found."));
                if (before.Finished == before.Total)
                {
                    throw new RpcException(new Status(StatusCode.FailedPrecondition,
                        $"batch {id} is already {(before.State == BatchState.Cancelled ? "cancelled" : "completed")}: all {before.Total} jobs have finished; there is nothing left to cancel."));
                }

                var cancelled = await store.CancelAsync(null, id, reason, ct).ConfigureAwait(false);
                await store.MarkBatchCancelledAsync(id, ct).ConfigureAwait(false);
                await KillCancelledAsync(new ExecutionCancellationRequested(null, id, reason, DateTimeOffset.UtcNow)).ConfigureAwait(false);
                return new CancelResponse
                {
                    CancelledCount = cancelled.Count,
                    AlreadyFinishedCount = before.Total - cancelled.Count,
                    Batch = await store.GetBatchAsync(id, ct).ConfigureAwait(false),
                };
            }

            default:
                throw new RpcException(new Status(StatusCode.InvalidArgument, "Say what to cancel: execution_id or batch_id."));
        }
    }

    /// <summary>One execution record by id.</summary>
    public override async Task<GetExecutionResponse> GetExecution(GetExecutionRequest request, ServerCallContext context)
    {
        auth.Require(context, ApiKeyScope.Read);
        var id = RequestValidation.RequiredId(request.Id, "id");
        var execution = await store.GetAsync(id, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"execution {id} not found."));
        return new GetExecutionResponse { Execution = execution };
    }

    /// <summary>Execution history filtered by script, status, batch, caller and time; newest first, paged.</summary>
    public override async Task<ListExecutionsResponse> ListExecutions(ListExecutionsRequest request, ServerCallContext context)
    {
        auth.Require(context, ApiKeyScope.Read);
        var caller = RequestValidation.Text(request.Caller, "caller", RequestValidation.MaxNameLength);
        var filter = new ExecutionFilter(
            string.IsNullOrEmpty(request.ScriptName) ? null : RequestValidation.ScriptName(request.ScriptName, "script_name"),
            request.Statuses,
            RequestValidation.OptionalId(request.BatchId, "batch_id"),
            caller.Length == 0 ? null : caller,
            RequestValidation.Time(request.CreatedAfter, "created_after"),
            RequestValidation.Time(request.CreatedBefore, "created_before"));
        var response = new ListExecutionsResponse();
        response.Page = await ListPageAsync(filter, request.Page, response.Executions, context.CancellationToken).ConfigureAwait(false);
        return response;
    }

    /// <summary>Records a run that finished outside the Executor (a CLI's local run), so the log holds every run.</summary>
    public override async Task<RecordRunResponse> RecordRun(RecordRunRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var run = request.Execution ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "Give the run to record in execution."));
        var id = RequestValidation.RequiredId(run.Id, "execution.id");
        var name = RequestValidation.ScriptName(run.ScriptName, "execution.script_name");
        var version = RequestValidation.Text(run.Version, "execution.version", RequestValidation.MaxNameLength);
        var hash = RequestValidation.RequiredContentHash(run.ContentHash, "execution.content_hash");
        var paramsJson = RequestValidation.Params(run.ParamsJson, "execution.params_json");
        var caller = RequestValidation.Text(run.Caller, "execution.caller", RequestValidation.MaxNameLength);
        var origin = RequestValidation.Text(request.Origin, "origin", RequestValidation.MaxNameLength);
        if (!StatusMapping.IsTerminal(run.Status) || !System.Enum.IsDefined(run.Status))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"execution.status {run.Status} is not a finished run's status; record a run once it has ended (SUCCESS, ERROR, TIMEOUT, KILLED, CANCELLED or INVALID)."));
        }

        var worker = "external:" + (origin.Length == 0 ? "unknown" : origin);
        if (!await store.InsertRunningAsync(new NewExecution(id, name, version.Length == 0 ? null : version, hash, null, 0, paramsJson, caller), worker, ct)
                .ConfigureAwait(false))
        {
            var existing = await store.GetAsync(id, ct).ConfigureAwait(false)
                ?? throw new RpcException(new Status(StatusCode.Aborted, $"execution {id} vanished while being recorded; retry."));
            return new RecordRunResponse { Execution = existing, IdempotentReplay = true };
        }

        var completion = new Completion(
            run.Status, run.DataJson, run.MetadataJson, run.Error?.Type ?? "", run.Error?.Message ?? "", run.Error?.Traceback ?? "",
            run.StdoutTail, run.StderrTail, run.OutputTruncated, run.Duration?.ToTimeSpan().TotalMilliseconds ?? 0,
            double.IsFinite(run.CostUsd) && run.CostUsd >= 0 ? run.CostUsd : 0, Math.Max(0, run.RowsProcessed), run.ExitCode, run.KillReason, run.ExitReason);
        var recorded = await store.CompleteAsync(id, completion, worker, CancellationToken.None).ConfigureAwait(false)
            ?? await store.GetAsync(id, CancellationToken.None).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.Aborted, $"execution {id} vanished while being recorded; retry."));
        return new RecordRunResponse { Execution = recorded };
    }

    /// <summary>
    /// One page of full execution records into <paramref name="target"/>. Records can be large (params
    /// up to 1 MiB, output tails, data), so besides the row cap the page ends early, with a next page
    /// token, once it holds <see cref="ExecutorOptions.MaxPageBytes"/>; it always holds at least one row.
    /// </summary>
    private async Task<PageResponse> ListPageAsync(ExecutionFilter filter, PageRequest? request, RepeatedField<Execution> target, CancellationToken ct)
    {
        var (offset, size) = PageTokens.Read(request, _options.DefaultPageSize, _options.MaxPageSize);
        var (page, total) = await store.ListAsync(filter, offset, size, ct).ConfigureAwait(false);
        long bytes = 0;
        foreach (var execution in page)
        {
            bytes += execution.CalculateSize();
            if (target.Count > 0 && bytes > _options.MaxPageBytes)
            {
                break;
            }

            target.Add(execution);
        }

        return PageTokens.Write(offset, target.Count, total);
    }

    private async Task<(RunnableJob? Job, Execution? Existing)> PrepareRunAsync(RunRequest request, CallIdentity identity, CancellationToken ct)
    {
        var paramsJson = RequestValidation.Params(request.ParamsJson);
        var caller = identity.Recorded(request.Caller);
        var limits = RequestValidation.Limits(request.Limits);
        var budget = RequestValidation.Budget(request.HasBudgetUsd, request.BudgetUsd);
        var requestedId = RequestValidation.OptionalId(request.ExecutionId, "execution_id");
        if (requestedId is { } given && await store.GetAsync(given, ct).ConfigureAwait(false) is { } existing)
        {
            return (null, existing);
        }

        var script = await resolver.ResolveAsync(
            request.SourceCase == RunRequest.SourceOneofCase.Script ? request.Script : null,
            request.SourceCase == RunRequest.SourceOneofCase.Inline ? request.Inline : null,
            request.ExpectedContentHash, identity.RegistryHeaders, ct).ConfigureAwait(false);
        var estimate = RequestValidation.CostEstimate(script.Metadata, paramsJson);
        if (budget is { } b && estimate > b)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"estimated cost {estimate:0.######} USD of '{script.Name}' exceeds the budget of {b:0.######} USD; nothing ran. Raise the budget or reduce params[{script.Metadata?.CostUnit}]."));
        }

        var id = requestedId ?? Guid.NewGuid();
        if (!await store.InsertRunningAsync(new NewExecution(id, script.Name, script.Version, script.ContentHash, null, 0, paramsJson, caller), runner.WorkerId, ct).ConfigureAwait(false))
        {
            return (null, await store.GetAsync(id, ct).ConfigureAwait(false));
        }

        return (new RunnableJob(id, null, script, paramsJson, limits, caller, budget, Warm: false), null);
    }

    private static (ResolvedScript Script, string Params, double Estimate) Job(ResolvedScript script, string? paramsJson, string what)
    {
        var valid = RequestValidation.Params(paramsJson, what);
        return (script, valid, RequestValidation.CostEstimate(script.Metadata, valid, what));
    }

    private static LogLine LogLineOf(OutputStream stream, string text, long sequence) => new()
    {
        Stream = stream == OutputStream.Stdout ? LogStream.Stdout : LogStream.Stderr,
        Text = text,
        At = Timestamp.FromDateTime(DateTime.UtcNow),
        Sequence = sequence,
    };

    private async Task<SubmitBatchResponse?> ReplayAsync(Guid batchId, CancellationToken ct)
    {
        var existing = await store.GetBatchAsync(batchId, ct).ConfigureAwait(false);
        return existing is null ? null : new SubmitBatchResponse
        {
            BatchId = batchId.ToString(),
            JobCount = existing.Total,
            EstimatedCostUsd = await store.BatchEstimateAsync(batchId, ct).ConfigureAwait(false),
            IdempotentReplay = true,
        };
    }

    // The log is already updated (and the cancelled runs' events queued in the outbox by the same statement):
    // tell every worker to kill what it runs. A command to the running workers, not a record, so it is published directly.
    private async Task KillCancelledAsync(ExecutionCancellationRequested request)
    {
        running.Cancel(request.ExecutionId, request.BatchId);
        await bus.Publish(request).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Batch {BatchId} is committed but its {Count} jobs could not all be sent to the broker; they stay queued and the recovery sweep sends them")]
    private partial void LogDispatchFailed(Exception exception, Guid batchId, int count);
}
