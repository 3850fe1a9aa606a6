using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using MassTransit;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Executor.Domain;
using ScriptPlatform.Executor.Infrastructure;
using ScriptPlatform.Grpc;
using ScriptPlatform.Sandbox;

namespace ScriptPlatform.Executor.Grpc;

/// <summary>
/// <c>scriptplatform.executor.v1.ExecutorService</c>. Synchronous runs execute in this process's
/// sandbox (no queue hop, so their latency is the sandbox's); batches go to the workers through RabbitMQ.
/// </summary>
public sealed class ExecutorGrpcService(
    ScriptResolver resolver, ExecutionStore store, JobRunner runner, JobQueue queue, RunningJobs running, IBus bus, IOptions<ExecutorOptions> options)
{
    private const string DefaultCancelReason = "cancelled by the caller";
    private readonly ExecutorOptions _options = options.Value;

    /// <summary>Runs one script synchronously and returns its execution record.</summary>
    public async Task<RunResponse> Run(RunRequest request, ServerCallContext context)
    {
        var (job, existing) = await PrepareRunAsync(request, context.CancellationToken).ConfigureAwait(false);
        return new RunResponse { Execution = existing ?? await runner.RunAsync(job!, null, context.CancellationToken, awaitEvents: false).ConfigureAwait(false) };
    }

    /// <summary>Runs one script, streaming its output lines as they come and then the final record.</summary>
    public async Task RunStream(RunRequest request, IServerStreamWriter<RunStreamEvent> responseStream, ServerCallContext context)
    {
        var (job, existing) = await PrepareRunAsync(request, context.CancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            await responseStream.WriteAsync(new RunStreamEvent { Result = existing }).ConfigureAwait(false);
            return;
        }

        await responseStream.WriteAsync(new RunStreamEvent { Started = JobRunner.Started(job!.ExecutionId, job.Script) }).ConfigureAwait(false);
        var lines = Channel.CreateUnbounded<LogLine>(new UnboundedChannelOptions { SingleReader = true });
        long sequence = 0;
        void OnOutput(OutputLine line) => lines.Writer.TryWrite(new LogLine
        {
            Stream = line.Stream == OutputStream.Stdout ? LogStream.Stdout : LogStream.Stderr,
            Text = line.Text,
            At = Timestamp.FromDateTime(DateTime.UtcNow),
            Sequence = Interlocked.Increment(ref sequence),
        });

        var run = Task.Run(async () =>
        {
            try
            {
                return await runner.RunAsync(job, OnOutput, context.CancellationToken, awaitEvents: false).ConfigureAwait(false);
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

        await responseStream.WriteAsync(new RunStreamEvent { Result = await run.ConfigureAwait(false) }).ConfigureAwait(false);
    }

    /// <summary>Queues a batch: one script with N parameter sets, or a list of script + params items.</summary>
    public async Task<SubmitBatchResponse> SubmitBatch(SubmitBatchRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var budget = RequestValidation.Budget(request.HasBudgetUsd, request.BudgetUsd);
        var limits = request.Limits;
        RequestValidation.Limits(limits);
        var batchId = RequestValidation.OptionalId(request.BatchId, "batch_id") ?? Guid.NewGuid();
        if (await ReplayAsync(batchId, ct).ConfigureAwait(false) is { } replay)
        {
            return replay;
        }

        var jobs = new List<(ResolvedScript Script, string Params)>();
        switch (request.JobsCase)
        {
            case SubmitBatchRequest.JobsOneofCase.FanOut:
                var script = await resolver.ResolveAsync(request.FanOut.Script, request.FanOut.Inline, null, ct).ConfigureAwait(false);
                for (var i = 0; i < request.FanOut.ParamsJson.Count; i++)
                {
                    jobs.Add((script, RequestValidation.Params(request.FanOut.ParamsJson[i], $"fan_out.params_json[{i}]")));
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
                        itemScript = await resolver.ResolveAsync(item.Script, item.Inline, null, ct).ConfigureAwait(false);
                        resolved[key] = itemScript;
                    }

                    jobs.Add((itemScript, RequestValidation.Params(item.ParamsJson, $"items[{i}].params_json")));
                }

                break;
            default:
                throw new RpcException(StatusCode.InvalidArgument, "Give the batch's jobs: fan_out (one script, many params) or items (script + params each).");
        }

        if (jobs.Count == 0)
        {
            throw new RpcException(StatusCode.InvalidArgument, "The batch has no jobs: give at least one params object.");
        }

        if (jobs.Count > _options.MaxBatchJobs)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"The batch has {jobs.Count} jobs; the limit is {_options.MaxBatchJobs}. Split it into several batches.");
        }

        var estimate = jobs.Sum(j => CostModel.Estimate(j.Script.Metadata, j.Params));
        if (budget is { } b && estimate > b)
        {
            throw new RpcException(StatusCode.FailedPrecondition,
                $"estimated cost {estimate:0.######} USD for {jobs.Count} jobs exceeds the budget of {b:0.######} USD; nothing was queued. Raise the budget or submit fewer jobs.");
        }

        var caller = request.Caller ?? "";
        var rows = jobs.Select((j, i) => new NewExecution(Guid.NewGuid(), j.Script.Name, j.Script.Version, j.Script.ContentHash, batchId, i, j.Params, caller)).ToList();
        var runLimits = RequestValidation.ToMessage(limits);
        var inline = jobs.Where(j => j.Script.Version is null).Select(j => j.Script).DistinctBy(j => j.ContentHash).ToDictionary(j => j.ContentHash, j => j.Content);
        var batchRow = new NewBatch(batchId, request.Label ?? "", caller, rows.Count, budget, estimate, RecoverySweeper.LimitsToJson(runLimits), inline);
        if (!await store.InsertBatchAsync(batchRow, rows, ct).ConfigureAwait(false))
        {
            return await ReplayAsync(batchId, ct).ConfigureAwait(false) ?? throw new RpcException(StatusCode.Aborted, "batch id conflict; retry");
        }

        var now = DateTimeOffset.UtcNow;
        var messages = rows.Select((row, i) => new RunScript(
            row.Id, batchId, i, row.ScriptName, row.Version, row.ContentHash, jobs[i].Script.Version is null ? jobs[i].Script.Content : null,
            row.ParamsJson, runLimits, string.IsNullOrEmpty(caller) ? null : caller, null, now)).ToList();
        // The rows are committed first, so a worker always finds the job it is given. Should this
        // process die before the broker confirmed every message, the RecoverySweeper sends them again.
        await queue.SendAsync(messages, CancellationToken.None).ConfigureAwait(false);
        await store.MarkDispatchedAsync(batchId, CancellationToken.None).ConfigureAwait(false);
        return new SubmitBatchResponse { BatchId = batchId.ToString(), JobCount = rows.Count, EstimatedCostUsd = estimate };
    }

    /// <summary>A batch's counts by status, progress and a page of its results.</summary>
    public async Task<GetBatchResponse> GetBatch(GetBatchRequest request, ServerCallContext context)
    {
        var id = RequestValidation.RequiredId(request.BatchId, "batch_id");
        var batch = await store.GetBatchAsync(id, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.NotFound, $"batch {id} not found; check the id SubmitBatch returned.");
        var response = new GetBatchResponse { Batch = batch };
        if (request.IncludeResults)
        {
            var (offset, size) = PageTokens.Read(request.Page, _options.DefaultPageSize, _options.MaxPageSize);
            var (page, total) = await store.ListAsync(new ExecutionFilter(BatchId: id, Statuses: request.Statuses), offset, size, context.CancellationToken).ConfigureAwait(false);
            response.Results.AddRange(page);
            response.Page = PageTokens.Write(offset, page.Count, total);
        }

        return response;
    }

    /// <summary>Cancels one job or every unfinished job of a batch.</summary>
    public async Task<CancelResponse> Cancel(CancelRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? DefaultCancelReason : request.Reason;
        switch (request.TargetCase)
        {
            case CancelRequest.TargetOneofCase.ExecutionId:
            {
                var id = RequestValidation.RequiredId(request.ExecutionId, "execution_id");
                var current = await store.GetAsync(id, ct).ConfigureAwait(false)
                    ?? throw new RpcException(StatusCode.NotFound, $"execution {id} not found.");
                var (cancelled, finishedBatch) = await store.CancelAsync(id, null, reason, ct).ConfigureAwait(false);
                if (cancelled.Count == 0)
                {
                    var now = await store.GetAsync(id, ct).ConfigureAwait(false) ?? current;
                    throw new RpcException(StatusCode.FailedPrecondition,
                        $"execution {id} already finished with status {now.Status}; only queued or running jobs can be cancelled.");
                }

                await AnnounceCancelledAsync(new ExecutionCancellationRequested(id, null, reason, DateTimeOffset.UtcNow), cancelled, finishedBatch).ConfigureAwait(false);
                return new CancelResponse { CancelledCount = 1, Execution = await store.GetAsync(id, ct).ConfigureAwait(false) };
            }

            case CancelRequest.TargetOneofCase.BatchId:
            {
                var id = RequestValidation.RequiredId(request.BatchId, "batch_id");
                var before = await store.GetBatchAsync(id, ct).ConfigureAwait(false)
                    ?? throw new RpcException(StatusCode.NotFound, $"batch {id} not found.");
                if (before.Finished == before.Total)
                {
                    throw new RpcException(StatusCode.FailedPrecondition,
                        $"batch {id} is already {(before.State == BatchState.Cancelled ? "cancelled" : "completed")}: all {before.Total} jobs have finished; there is nothing left to cancel.");
                }

                var (cancelled, finishedBatch) = await store.CancelAsync(null, id, reason, ct).ConfigureAwait(false);
                await store.MarkBatchCancelledAsync(id, ct).ConfigureAwait(false);
                await AnnounceCancelledAsync(new ExecutionCancellationRequested(null, id, reason, DateTimeOffset.UtcNow), cancelled, finishedBatch).ConfigureAwait(false);
                return new CancelResponse
                {
                    CancelledCount = cancelled.Count,
                    AlreadyFinishedCount = before.Total - cancelled.Count,
                    Batch = await store.GetBatchAsync(id, ct).ConfigureAwait(false),
                };
            }

            default:
                throw new RpcException(StatusCode.InvalidArgument, "Say what to cancel: execution_id or batch_id.");
        }
    }

    /// <summary>One execution record by id.</summary>
    public async Task<GetExecutionResponse> GetExecution(GetExecutionRequest request, ServerCallContext context)
    {
        var id = RequestValidation.RequiredId(request.Id, "id");
        var execution = await store.GetAsync(id, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.NotFound, $"execution {id} not found.");
        return new GetExecutionResponse { Execution = execution };
    }

    /// <summary>Execution history filtered by script, status, batch, caller and time; newest first, paged.</summary>
    public async Task<ListExecutionsResponse> ListExecutions(ListExecutionsRequest request, ServerCallContext context)
    {
        var filter = new ExecutionFilter(
            string.IsNullOrEmpty(request.ScriptName) ? null : request.ScriptName,
            request.Statuses,
            RequestValidation.OptionalId(request.BatchId, "batch_id"),
            string.IsNullOrEmpty(request.Caller) ? null : request.Caller,
            request.CreatedAfter?.ToDateTimeOffset(),
            request.CreatedBefore?.ToDateTimeOffset());
        var (offset, size) = PageTokens.Read(request.Page, _options.DefaultPageSize, _options.MaxPageSize);
        var (page, total) = await store.ListAsync(filter, offset, size, context.CancellationToken).ConfigureAwait(false);
        var response = new ListExecutionsResponse { Page = PageTokens.Write(offset, page.Count, total) };
        response.Executions.AddRange(page);
        return response;
    }

    private async Task<(RunnableJob? Job, Execution? Existing)> PrepareRunAsync(RunRequest request, CancellationToken ct)
    {
        var paramsJson = RequestValidation.Params(request.ParamsJson);
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
            request.ExpectedContentHash, ct).ConfigureAwait(false);
        var estimate = CostModel.Estimate(script.Metadata, paramsJson);
        if (budget is { } b && estimate > b)
        {
            throw new RpcException(StatusCode.FailedPrecondition,
                $"estimated cost {estimate:0.######} USD of '{script.Name}' exceeds the budget of {b:0.######} USD; nothing ran. Raise the budget or reduce params[{script.Metadata?.CostUnit}].");
        }

        var id = requestedId ?? Guid.NewGuid();
        var caller = request.Caller ?? "";
        if (!await store.InsertRunningAsync(new NewExecution(id, script.Name, script.Version, script.ContentHash, null, 0, paramsJson, caller), runner.WorkerId, ct).ConfigureAwait(false))
        {
            return (null, await store.GetAsync(id, ct).ConfigureAwait(false));
        }

        return (new RunnableJob(id, null, script, paramsJson, limits, caller, budget, Warm: false), null);
    }

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

    // The log is already updated: tell every worker to kill what it runs, and announce each cancelled run.
    private async Task AnnounceCancelledAsync(ExecutionCancellationRequested request, IReadOnlyList<Execution> cancelled, Guid? finishedBatch)
    {
        running.Cancel(request.ExecutionId, request.BatchId);
        await bus.Publish(request).ConfigureAwait(false);
        foreach (var chunk in cancelled.Chunk(256))
        {
            await Task.WhenAll(chunk.Select(e => runner.PublishCompletedAsync(
                Guid.Parse(e.Id), string.IsNullOrEmpty(e.BatchId) ? null : Guid.Parse(e.BatchId), e.ScriptName, e.Version, e.ContentHash,
                new Completion(ExecutionStatus.Cancelled, DurationMs: e.Duration?.ToTimeSpan().TotalMilliseconds ?? 0), e.Caller, DateTimeOffset.UtcNow))).ConfigureAwait(false);
        }

        if (finishedBatch is { } batchId)
        {
            await runner.PublishBatchCompletedAsync(batchId).ConfigureAwait(false);
        }
    }
}
