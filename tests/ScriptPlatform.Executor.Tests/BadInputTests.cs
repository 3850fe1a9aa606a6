using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Executor.Domain;
using ScriptPlatform.Executor.Tests.Infrastructure;

namespace ScriptPlatform.Executor.Tests;

/// <summary>Every bad input gets its proper gRPC status and an actionable message: no UNKNOWN, no partial write.</summary>
public sealed class BadInputTests(Platform platform)
{
    private readonly ExecutorHost _host = platform.Shared;

    private static string OverInlineLimit => "# " + new string('x', RequestValidation.MaxInlineContentBytes) + "\n" + Scripts.Add;

    private static async Task<RpcException> FailsWith(StatusCode status, Func<Task> call, string mentions)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(status, error.StatusCode);
        Assert.Contains(mentions, error.Status.Detail, StringComparison.Ordinal);
        return error;
    }

    private async Task DrainAsync(RunRequest request)
    {
        await foreach (var _ in _host.Client.RunStream(request).ResponseStream.ReadAllAsync())
        {
        }
    }

    [Fact]
    public async Task Inline_content_over_256_KiB_is_RESOURCE_EXHAUSTED_for_Run_RunStream_and_SubmitBatch()
    {
        var batch = new SubmitBatchRequest { FanOut = new BatchFanOut { Inline = new InlineScript { Content = OverInlineLimit }, ParamsJson = { "{}", "{}" } } };
        var items = new SubmitBatchRequest { Items = new BatchItems { Items = { new BatchItem { Inline = new InlineScript { Content = OverInlineLimit } } } } };

        await FailsWith(StatusCode.ResourceExhausted, () => _host.Client.RunAsync(Scripts.Inline(OverInlineLimit)).ResponseAsync, "256 KiB");
        await FailsWith(StatusCode.ResourceExhausted, () => DrainAsync(Scripts.Inline(OverInlineLimit)), "256 KiB");
        await FailsWith(StatusCode.ResourceExhausted, () => _host.Client.SubmitBatchAsync(batch).ResponseAsync, "256 KiB");
        await FailsWith(StatusCode.ResourceExhausted, () => _host.Client.SubmitBatchAsync(items).ResponseAsync, "256 KiB");
    }

    [Fact]
    public async Task A_batch_over_the_job_limit_is_RESOURCE_EXHAUSTED_before_any_script_is_resolved()
    {
        // The script does not exist: only a check made before resolving can answer RESOURCE_EXHAUSTED.
        var item = new BatchItem { Script = new ScriptRef { Name = "no_such_script_anywhere" } };
        var request = new SubmitBatchRequest { Items = new BatchItems { Items = { Enumerable.Repeat(item, 100_001) } } };

        await FailsWith(StatusCode.ResourceExhausted, () => _host.Client.SubmitBatchAsync(request).ResponseAsync, "the limit is 100000");
    }

    [Fact]
    public async Task A_bad_item_of_a_batch_is_refused_naming_the_item()
    {
        var good = new BatchItem { Inline = new InlineScript { Content = Scripts.Add }, ParamsJson = """{"a": 1, "b": 2}""" };
        var emptyName = new SubmitBatchRequest { Items = new BatchItems { Items = { good, new BatchItem { Script = new ScriptRef { Name = "" } } } } };
        var noSource = new SubmitBatchRequest { Items = new BatchItems { Items = { good, good, new BatchItem { ParamsJson = "{}" } } } };

        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.SubmitBatchAsync(emptyName).ResponseAsync, "items[1]: ");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.SubmitBatchAsync(noSource).ResponseAsync, "items[2]: ");
    }

    [Fact]
    public async Task A_malformed_timestamp_filter_is_INVALID_ARGUMENT_naming_the_field()
    {
        var negativeNanos = new ListExecutionsRequest { CreatedAfter = new Timestamp { Seconds = 1, Nanos = -1 } };
        var tooManyNanos = new ListExecutionsRequest { CreatedBefore = new Timestamp { Seconds = 1, Nanos = 1_000_000_000 } };
        var beyondYear9999 = new ListExecutionsRequest { CreatedBefore = new Timestamp { Seconds = long.MaxValue } };

        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.ListExecutionsAsync(negativeNanos).ResponseAsync, "created_after");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.ListExecutionsAsync(tooManyNanos).ResponseAsync, "created_before");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.ListExecutionsAsync(beyondYear9999).ResponseAsync, "created_before");
    }

    [Fact]
    public async Task A_malformed_or_absurd_timeout_is_INVALID_ARGUMENT_for_Run_and_SubmitBatch()
    {
        RunRequest Run(Duration timeout)
        {
            var request = Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}""");
            request.Limits = new Limits { Timeout = timeout };
            return request;
        }

        var mixedSigns = new Duration { Seconds = 1, Nanos = -5 };
        var tooManyNanos = new Duration { Seconds = 0, Nanos = 2_000_000_000 };
        var twoDays = Duration.FromTimeSpan(TimeSpan.FromDays(2));
        var batch = new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.Add }, ParamsJson = { "{}" } },
            Limits = new Limits { Timeout = mixedSigns },
        };

        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.RunAsync(Run(mixedSigns)).ResponseAsync, "limits.timeout");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.RunAsync(Run(tooManyNanos)).ResponseAsync, "limits.timeout");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.RunAsync(Run(twoDays)).ResponseAsync, "86400");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.SubmitBatchAsync(batch).ResponseAsync, "limits.timeout");
    }

    [Fact]
    public async Task Large_but_sane_limits_are_capped_by_the_operator_maxima_not_rejected()
    {
        var request = Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}""");
        // An hour of wall clock is over the operator's maximum (capped); long.MaxValue bytes of output once
        // wrapped to -1 KiB (memory and tmp share the conversion; a memory limit at the maxima is not
        // requested here because this host's cgroups may refuse 4 GiB, a sandbox matter).
        request.Limits = new Limits { Timeout = Duration.FromTimeSpan(TimeSpan.FromHours(1)), MaxOutputBytes = long.MaxValue };

        var execution = (await _host.Client.RunAsync(request)).Execution;

        Assert.True(execution.Status == ExecutionStatus.Success, $"{execution.Status}: {execution.Error}");
    }

    [Theory]
    [InlineData("bad\0caller")]
    [InlineData("bad\ncaller")]
    [InlineData("bad\u0085caller")]
    public async Task A_caller_or_label_with_a_control_character_is_INVALID_ARGUMENT(string bad)
    {
        var batchId = Guid.NewGuid().ToString();
        SubmitBatchRequest Batch(string caller, string label) => new()
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.Add }, ParamsJson = { """{"a": 1, "b": 2}""" } },
            Caller = caller,
            Label = label,
            BatchId = batchId,
        };

        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.RunAsync(Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}""", bad)).ResponseAsync, "caller");
        await FailsWith(StatusCode.InvalidArgument, () => DrainAsync(Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}""", bad)), "caller");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.SubmitBatchAsync(Batch(bad, "ok")).ResponseAsync, "caller");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.SubmitBatchAsync(Batch("ok", bad)).ResponseAsync, "label");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.ListExecutionsAsync(new ListExecutionsRequest { Caller = bad }).ResponseAsync, "caller");
        await FailsWith(StatusCode.NotFound, () => _host.Client.GetBatchAsync(new GetBatchRequest { BatchId = batchId }).ResponseAsync, batchId);
    }

    [Fact]
    public async Task An_overlong_caller_or_label_is_INVALID_ARGUMENT_naming_the_limit()
    {
        var tooLong = new string('c', RequestValidation.MaxNameLength + 1);
        var batch = new SubmitBatchRequest { FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.Add }, ParamsJson = { "{}" } }, Label = tooLong };

        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.RunAsync(Scripts.Inline(Scripts.Add, "{}", tooLong)).ResponseAsync, "at most 256 are accepted");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.SubmitBatchAsync(batch).ResponseAsync, "label");
    }

    [Fact]
    public async Task A_cancel_reason_with_a_NUL_or_over_1024_characters_is_INVALID_ARGUMENT_and_cancels_nothing()
    {
        var submitted = await _host.Client.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.Sleeps(0.5) }, ParamsJson = { "{}", "{}" } },
        });

        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.CancelAsync(new CancelRequest { BatchId = submitted.BatchId, Reason = "stop\0now" }).ResponseAsync, "reason");
        await FailsWith(StatusCode.InvalidArgument,
            () => _host.Client.CancelAsync(new CancelRequest { BatchId = submitted.BatchId, Reason = new string('r', RequestValidation.MaxReasonLength + 1) }).ResponseAsync, "at most 1024 are accepted");
        var batch = await _host.Client.BatchFinishedAsync(submitted.BatchId);

        Assert.Equal((BatchState.Completed, 2), (batch.State, batch.Count(ExecutionStatus.Success)));
    }

    [Fact]
    public async Task RunStream_to_a_slow_reader_drops_lines_beyond_its_buffer_says_how_many_and_still_sends_the_result()
    {
        const int printed = 200_000;
        var script = $$"""
            import sys
            def execute(params):
                sys.stdout.write("\n" * {{printed}})
                sys.stdout.flush()
                return {"status": "success", "data": "done"}
            """;
        var events = new List<RunStreamEvent>();

        await foreach (var e in _host.Client.RunStream(Scripts.Inline(script)).ResponseStream.ReadAllAsync())
        {
            if (events.Count == 0)
            {
                // A client that stops reading while the script prints: the server must not buffer every line.
                await Task.Delay(3000, TestContext.Current.CancellationToken);
            }

            events.Add(e);
        }

        var logs = events.Where(e => e.EventCase == RunStreamEvent.EventOneofCase.Log).Select(e => e.Log).ToList();
        var notice = Assert.Single(logs, l => l.Text.Contains("output lines were not streamed", StringComparison.Ordinal));
        var streamed = logs.Count - 1;
        Assert.True(streamed < printed, $"all {printed} lines were held for the slow reader");
        Assert.Contains($"{printed - streamed} output lines", notice.Text, StringComparison.Ordinal);
        Assert.Equal(printed + 1, notice.Sequence);
        Assert.Equal(RunStreamEvent.EventOneofCase.Result, events[^1].EventCase);
        Assert.Equal(ExecutionStatus.Success, events[^1].Result.Status);
    }

    [Fact]
    public async Task Pages_of_large_records_end_early_within_the_byte_budget_and_page_tokens_still_cover_every_record()
    {
        // 8 records of about 700 KB (their params) are 5.6 MB: more than a gRPC client receives by default.
        var pad = new string('p', 700_000);
        var submitted = await _host.Client.SubmitBatchAsync(new SubmitBatchRequest
        {
            FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.Add }, ParamsJson = { Enumerable.Range(0, 8).Select(i => $$"""{"a": {{i}}, "b": 0, "pad": "{{pad}}"}""") } },
        });
        await _host.Client.BatchFinishedAsync(submitted.BatchId);

        var fromGetBatch = new List<Execution>();
        var fromList = new List<Execution>();
        var pages = 0;
        var token = "";
        do
        {
            var page = await _host.Client.GetBatchAsync(new GetBatchRequest { BatchId = submitted.BatchId, IncludeResults = true, Page = new PageRequest { PageSize = 100, PageToken = token } });
            Assert.InRange(page.Results.Sum(r => r.CalculateSize()), 1, 3 * 1024 * 1024);
            fromGetBatch.AddRange(page.Results);
            token = page.Page.NextPageToken;
            pages++;
        }
        while (token != "");

        do
        {
            var page = await _host.Client.ListExecutionsAsync(new ListExecutionsRequest { BatchId = submitted.BatchId, Page = new PageRequest { PageSize = 1000, PageToken = token } });
            fromList.AddRange(page.Executions);
            token = page.Page.NextPageToken;
        }
        while (token != "");

        Assert.True(pages > 1);
        Assert.Equal(Enumerable.Range(0, 8), fromGetBatch.Select(r => r.BatchIndex));
        Assert.Equal(Enumerable.Range(0, 8), fromList.Select(r => r.BatchIndex));
    }

    [Fact]
    public async Task A_cost_unit_that_overflows_to_infinity_is_INVALID_ARGUMENT_and_nothing_is_recorded()
    {
        var caller = "infinite-" + Guid.NewGuid().ToString("N");
        var batch = new SubmitBatchRequest { FanOut = new BatchFanOut { Inline = new InlineScript { Content = Scripts.PerUrl }, ParamsJson = { "{}", """{"urls": 1e400}""" } }, Caller = caller };

        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.RunAsync(Scripts.Inline(Scripts.PerUrl, """{"urls": 1e400}""", caller)).ResponseAsync, "urls");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.SubmitBatchAsync(batch).ResponseAsync, "fan_out.params_json[1]");
        var logged = await _host.Client.ListExecutionsAsync(new ListExecutionsRequest { Caller = caller });

        Assert.Empty(logged.Executions);
    }

    [Fact]
    public async Task An_id_of_100k_characters_is_INVALID_ARGUMENT_quoting_only_its_start()
    {
        // Quoted whole, it made a grpc-message trailer over the client's header limit: the call failed in transport.
        var huge = new string('a', 100_000);

        var error = await FailsWith(StatusCode.InvalidArgument, () => _host.Client.GetExecutionAsync(new GetExecutionRequest { Id = huge }).ResponseAsync, "is not a UUID");

        Assert.InRange(error.Status.Detail.Length, 1, 400);
    }

    [Fact]
    public async Task A_malformed_expected_content_hash_is_INVALID_ARGUMENT_and_nothing_runs()
    {
        var caller = "bad-pin-" + Guid.NewGuid().ToString("N");
        var huge = Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}""", caller);
        huge.ExpectedContentHash = new string('a', 100_000);
        var notHex = Scripts.Inline(Scripts.Add, """{"a": 1, "b": 2}""", caller);
        notHex.ExpectedContentHash = new string('z', 64);

        var error = await FailsWith(StatusCode.InvalidArgument, () => _host.Client.RunAsync(huge).ResponseAsync, "expected_content_hash");
        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.RunAsync(notHex).ResponseAsync, "is not a SHA-256");

        Assert.InRange(error.Status.Detail.Length, 1, 400);
        Assert.Empty((await _host.Client.ListExecutionsAsync(new ListExecutionsRequest { Caller = caller })).Executions);
    }

    [Fact]
    public async Task A_version_selector_of_100k_characters_is_INVALID_ARGUMENT_before_the_Registry_is_asked()
    {
        var request = new RunRequest { Script = new ScriptRef { Name = "math_addition_001", VersionSelector = new string('1', 100_000) } };

        await FailsWith(StatusCode.InvalidArgument, () => _host.Client.RunAsync(request).ResponseAsync, "script.version_selector is 100000 characters");
    }
}
