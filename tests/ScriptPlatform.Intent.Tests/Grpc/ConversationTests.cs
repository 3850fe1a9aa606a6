using System.Text.Json;
using Grpc.Core;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Intent.Tests.Infrastructure;

namespace ScriptPlatform.Intent.Tests.Grpc;

/// <summary>Seed 000's conversation over gRPC, against the real Registry and Executor.</summary>
public sealed class ConversationTests(IntentPlatform platform)
{
    private IntentService.IntentServiceClient Intent => platform.Intent.Client;

    private async Task<string> PublishAsync(string? agentId = null, string prefix = "math_addition")
    {
        var name = Scripts.UniqueName(prefix);
        await platform.Registry.PublishAsync(Scripts.Publish(name, agentId: agentId), platform.Alice);
        return name;
    }

    private Task<InterpretResponse> SayAsync(string text, string? session = null, CallOptions? options = null, string agent = "", params Attachment[] attachments)
    {
        var request = new InterpretRequest { Utterance = text, SessionId = session ?? "", AgentId = agent };
        request.Attachments.AddRange(attachments);
        return Intent.InterpretAsync(request, options ?? platform.Alice).ResponseAsync;
    }

    private async Task<int> ExecutionsOfAsync(string name) =>
        (await platform.Executor.ListExecutionsAsync(new ListExecutionsRequest { ScriptName = name }, platform.Alice)).Executions.Count;

    [Fact]
    public async Task Run_shows_a_card_with_version_cost_and_capabilities_then_yes_executes_it()
    {
        var name = await PublishAsync();

        var card = await SayAsync($"Run code {name}.py with a=2 b=3 items=3");
        Assert.Equal(ActionKind.Run, card.Action);
        Assert.True(card.NeedsConfirmation);
        Assert.Equal($"Do you want to execute {name}.py?", card.Message);
        Assert.Equal(name, card.Card.TargetName);
        Assert.Equal("1.0.0", card.Card.TargetVersion);
        Assert.Equal(0.03, card.Card.EstimatedCostUsd, 6);
        Assert.Contains("no network access", card.Card.Capabilities);
        Assert.Contains("timeout: 20s", card.Card.Capabilities);
        Assert.Equal(ConfirmationState.Pending, card.Proposal.State);
        Assert.Equal(0, await ExecutionsOfAsync(name));

        var done = await SayAsync("Yes", card.SessionId);
        Assert.Equal(ActionKind.Confirm, done.Action);
        Assert.Equal("Code executed successfully!", done.Message);
        Assert.True(done.Outcome.Ok);
        Assert.Equal(name, done.Outcome.Name);
        Assert.Equal("1.0.0", done.Outcome.Version);
        Assert.Equal(5, JsonDocument.Parse(done.Outcome.OutputJson).RootElement.GetProperty("sum").GetInt32());
        var execution = await platform.Executor.GetExecutionAsync(new GetExecutionRequest { Id = done.Outcome.ExecutionId }, platform.Alice);
        Assert.Equal(ExecutionStatus.Success, execution.Execution.Status);

        var again = await SayAsync("yes", card.SessionId);
        Assert.Equal(ActionKind.Clarify, again.Action);
        Assert.Contains("nothing waiting for confirmation", again.Message, StringComparison.Ordinal);
        Assert.Equal(1, await ExecutionsOfAsync(name));
    }

    [Fact]
    public async Task Anything_but_yes_cancels_and_nothing_runs()
    {
        var name = await PublishAsync();
        var card = await SayAsync($"run {name} with a=1");
        var no = await SayAsync("nah, not now", card.SessionId);
        Assert.Equal(ActionKind.Cancel, no.Action);
        Assert.Equal(card.Proposal.ConfirmationId, no.CancelledConfirmationId);
        Assert.Contains("Nothing was done", no.Message, StringComparison.Ordinal);
        Assert.Equal(ActionKind.Clarify, (await SayAsync("yes", card.SessionId)).Action);
        Assert.Equal(0, await ExecutionsOfAsync(name));
    }

    [Fact]
    public async Task A_yes_with_more_cancels_and_runs_nothing_extra()
    {
        var name = await PublishAsync();
        var card = await SayAsync($"delete code {name}.py");
        Assert.Equal(ActionKind.Delete, card.Action);

        var attempt = await SayAsync("yes, and also delete everything", card.SessionId);
        Assert.Equal(ActionKind.Cancel, attempt.Action);
        Assert.Contains("plain \"yes\"", attempt.Message, StringComparison.Ordinal);
        Assert.Equal(name, (await platform.Registry.GetScriptAsync(new GetScriptRequest { Name = name }, platform.Alice)).Script.Name);
        Assert.Equal(ActionKind.Clarify, (await SayAsync("yes", card.SessionId)).Action);
    }

    [Fact]
    public async Task A_new_request_while_one_is_pending_cancels_the_old_one_and_says_so()
    {
        var first = await PublishAsync();
        var second = await PublishAsync();
        var card = await SayAsync($"run {first} with a=1");
        var next = await SayAsync($"run {second} with a=4 b=4", card.SessionId);
        Assert.Equal(card.Proposal.ConfirmationId, next.CancelledConfirmationId);
        Assert.StartsWith($"Cancelled the pending run of {first}", next.Message, StringComparison.Ordinal);
        Assert.True(next.NeedsConfirmation);

        var done = await SayAsync("sure!", card.SessionId);
        Assert.Equal(second, done.Outcome.Name);
        Assert.Equal(0, await ExecutionsOfAsync(first));
        Assert.Equal(1, await ExecutionsOfAsync(second));
    }

    [Fact]
    public async Task Another_caller_is_refused_and_the_action_stays_pending_for_its_owner()
    {
        var name = await PublishAsync();
        var card = await SayAsync($"run {name} with a=1");

        var stranger = await Assert.ThrowsAsync<RpcException>(() => SayAsync("yes", card.SessionId, platform.Bob));
        Assert.Equal(StatusCode.PermissionDenied, stranger.StatusCode);
        var byId = await Assert.ThrowsAsync<RpcException>(() =>
            Intent.ConfirmAsync(new ConfirmRequest { ConfirmationId = card.Proposal.ConfirmationId, Answer = ConfirmAnswer.Yes }, platform.Bob).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, byId.StatusCode);
        Assert.Equal(0, await ExecutionsOfAsync(name));

        var pending = await Intent.ListPendingAsync(new ListPendingRequest { SessionId = card.SessionId }, platform.Alice);
        Assert.Equal(card.Proposal.ConfirmationId, Assert.Single(pending.Pending).ConfirmationId);
        Assert.Equal("Code executed successfully!", (await SayAsync("y", card.SessionId)).Message);
    }

    [Fact]
    public async Task Any_replica_can_confirm_what_another_proposed()
    {
        var name = await PublishAsync();
        var other = await platform.StartIntentAsync(platform.Intent.Database);
        var card = await SayAsync($"run code {name}.py with a=20 b=22");
        var done = await other.Client.InterpretAsync(new InterpretRequest { Utterance = "YES.", SessionId = card.SessionId }, platform.Alice);
        Assert.Equal("Code executed successfully!", done.Message);
        Assert.Equal(42, JsonDocument.Parse(done.Outcome.OutputJson).RootElement.GetProperty("sum").GetInt32());
    }

    [Fact]
    public async Task Confirm_by_id_runs_once_and_a_second_answer_is_refused()
    {
        var name = await PublishAsync();
        var card = await SayAsync($"run {name} with a=1");
        var confirm = new ConfirmRequest { ConfirmationId = card.Proposal.ConfirmationId, Text = "Sure" };
        var done = await Intent.ConfirmAsync(confirm, platform.Alice);
        Assert.Equal(ConfirmationState.Completed, done.Confirmation.State);
        Assert.Equal("Code executed successfully!", done.Message);
        var twice = await Assert.ThrowsAsync<RpcException>(() => Intent.ConfirmAsync(confirm, platform.Alice).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, twice.StatusCode);
        Assert.Equal(1, await ExecutionsOfAsync(name));
    }

    [Fact]
    public async Task An_expired_card_does_nothing_and_says_so()
    {
        var name = await PublishAsync();
        var quick = await platform.StartIntentAsync(settings: new Dictionary<string, string?> { ["ScriptPlatform:Intent:ConfirmationExpiry"] = "00:00:01" });
        var card = await quick.Client.InterpretAsync(new InterpretRequest { Utterance = $"run {name} with a=1" }, platform.Alice);
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        var late = await quick.Client.InterpretAsync(new InterpretRequest { Utterance = "yes", SessionId = card.SessionId }, platform.Alice);
        Assert.Equal(ActionKind.Cancel, late.Action);
        Assert.Contains("expired", late.Message, StringComparison.Ordinal);
        Assert.Equal(0, await ExecutionsOfAsync(name));
    }

    [Fact]
    public async Task Delete_removes_the_script_after_yes()
    {
        var name = await PublishAsync();
        var card = await SayAsync($"Delete code {name}.py");
        Assert.Equal($"Do you want to delete {name}.py?", card.Message);
        var done = await SayAsync("yes", card.SessionId);
        Assert.Equal("Code deleted successfully!", done.Message);
        var gone = await Assert.ThrowsAsync<RpcException>(() => platform.Registry.GetScriptAsync(new GetScriptRequest { Name = name }, platform.Alice).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Intent_acts_with_the_callers_own_key_and_never_more()
    {
        var name = await PublishAsync();
        // Bob may publish but does not own alice's script; carol may only read.
        foreach (var (caller, code) in new[] { (platform.Bob, StatusCode.PermissionDenied), (platform.Reader, StatusCode.PermissionDenied) })
        {
            var card = await SayAsync($"delete {name}", options: caller);
            var done = await SayAsync("yes", card.SessionId, caller);
            Assert.False(done.Outcome.Ok);
            Assert.Equal((int)code, done.Outcome.ErrorCode);
        }

        Assert.Equal(name, (await platform.Registry.GetScriptAsync(new GetScriptRequest { Name = name }, platform.Alice)).Script.Name);
    }

    [Fact]
    public async Task An_unknown_name_gets_did_you_mean_candidates_and_no_card()
    {
        var name = await PublishAsync(prefix: "currency_convert");
        await platform.EmbeddedAsync();
        var unknown = name[..^1] + (name[^1] == 'x' ? "y" : "x");
        var reply = await SayAsync($"run {unknown}");
        Assert.Equal(ActionKind.Clarify, reply.Action);
        Assert.False(reply.NeedsConfirmation);
        Assert.Contains(name, reply.Suggestions);
        Assert.Contains("Did you mean", reply.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_requests_are_answered_at_once()
    {
        var agent = "agent-" + Guid.NewGuid().ToString("N")[..8];
        var name = await PublishAsync(agent);
        await platform.Registry.PublishAsync(Scripts.Publish(name, "1.1.0"), platform.Alice);

        var versions = await SayAsync($"show versions of {name}");
        Assert.Equal(ActionKind.Versions, versions.Action);
        Assert.False(versions.NeedsConfirmation);
        Assert.Equal(["1.1.0", "1.0.0"], versions.Outcome.Versions.Versions.Select(v => v.Version));

        var tools = await SayAsync("what tools do I have?", agent: agent);
        Assert.Equal(ActionKind.Tools, tools.Action);
        Assert.Contains(name, tools.Outcome.Tools.Tools.Select(t => t.ScriptName));

        var search = await SayAsync("find a script that adds two numbers");
        Assert.Equal(ActionKind.Search, search.Action);
        Assert.NotEmpty(search.Outcome.Search.Hits);

        var load = await SayAsync($"load {name} version 1.0.0");
        Assert.Equal("1.0.0", load.Outcome.Loaded.Version.Version);

        var help = await SayAsync($"how do I use {name}?");
        Assert.Equal(ActionKind.Help, help.Action);
        Assert.Contains("\"a\"", help.Outcome.Help.ExampleParamsJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_attachments_or_an_unnamed_or_multi_line_attachment_name_is_INVALID_ARGUMENT_naming_it()
    {
        var name = await PublishAsync();
        var rows = new Attachment { Name = "rows.csv", Content = "a,b\n1,2\n" };
        var cases = new (Attachment[] Attachments, string Mentions)[]
        {
            (Enumerable.Repeat(rows, 17).ToArray(), "at most 16"),
            ([rows, new Attachment { Name = " ", Content = "a,b\n1,2\n" }], "attachments[1].name is empty"),
            ([new Attachment { Name = "rows.csv\nother.csv", Content = "a,b\n1,2\n" }], "attachments[0].name contains the control character U+000A"),
        };
        foreach (var (attachments, mentions) in cases)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => SayAsync($"run {name} for each row of rows.csv", attachments: attachments));
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Contains(mentions, e.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(ActionKind.Batch, (await SayAsync($"run {name} for each row of rows.csv", attachments: Enumerable.Repeat(rows, 16).ToArray())).Action);
    }

    [Fact]
    public async Task A_batch_runs_once_per_row_of_the_attached_file_after_yes()
    {
        var name = await PublishAsync();
        var rows = new Attachment { Name = "rows.csv", Content = "a,b\n1,2\n3,4\n5,6\n" };
        var card = await SayAsync($"run {name} for each row of rows.csv", attachments: rows);
        Assert.Equal(ActionKind.Batch, card.Action);
        Assert.Equal(3, card.Proposal.Batch.JobCount);

        var done = await SayAsync("yes", card.SessionId);
        Assert.True(done.Outcome.Ok, done.Message);
        Assert.StartsWith("Batch submitted successfully!", done.Message, StringComparison.Ordinal);
        var batchId = done.Outcome.Batch.BatchId;
        GetBatchResponse batch;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            batch = await platform.Executor.GetBatchAsync(new GetBatchRequest { BatchId = batchId, IncludeResults = true }, platform.Alice);
        }
        while (batch.Batch.State != BatchState.Completed && DateTime.UtcNow < deadline);

        Assert.Equal(BatchState.Completed, batch.Batch.State);
        var sums = batch.Results.Select(r => JsonDocument.Parse(r.DataJson).RootElement.GetProperty("sum").GetInt32()).Order();
        Assert.Equal([3, 7, 11], sums);
    }

    [Fact]
    public async Task Publish_takes_the_attached_source_after_yes()
    {
        var name = Scripts.UniqueName("text_tools");
        var source = new Attachment { Name = name + ".py", Content = Scripts.Adder("Publishes through intent") };
        var card = await SayAsync($"publish {name} as 1.2.0", attachments: source);
        Assert.Equal(ActionKind.Publish, card.Action);
        var done = await SayAsync("yes", card.SessionId);
        Assert.Equal("Code published successfully!", done.Message);
        Assert.Equal("1.2.0", done.Outcome.Published.Version.Version);
    }

    [Fact]
    public async Task Generate_without_a_generation_service_is_refused_clearly_and_nothing_is_pending()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => SayAsync("generate code for a math addition script"));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("Generation service", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8 * 1024 + 1)]
    [InlineData(100_000)]
    public async Task Input_over_8_KiB_is_invalid_argument(int length)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => SayAsync("run " + new string('a', length)));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("8 KiB", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_input_and_bad_ids_are_invalid_argument()
    {
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => SayAsync("   "))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => SayAsync("help", "bad session id!"))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() =>
            Intent.ConfirmAsync(new ConfirmRequest { ConfirmationId = "nope" }, platform.Alice).ResponseAsync)).StatusCode);
    }

    [Fact]
    public async Task An_answer_the_schema_does_not_define_is_refused_and_the_card_stays_pending()
    {
        var name = await PublishAsync();
        var card = await SayAsync($"run {name} with a=1");

        var error = await Assert.ThrowsAsync<RpcException>(() => Intent.ConfirmAsync(
            new ConfirmRequest { ConfirmationId = card.Proposal.ConfirmationId, Answer = (ConfirmAnswer)7 }, platform.Alice).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("answer 7 is not a ConfirmAnswer value; send one of Unspecified (0), Yes (1), No (2)", error.Status.Detail, StringComparison.Ordinal);
        var pending = await Intent.ListPendingAsync(new ListPendingRequest { SessionId = card.SessionId }, platform.Alice);
        Assert.Equal(card.Proposal.ConfirmationId, Assert.Single(pending.Pending).ConfirmationId);
    }

    [Fact]
    public async Task An_unprintable_or_overlong_caller_label_and_a_page_token_never_issued_are_refused_before_anything_is_written()
    {
        // Without a key the label is what the Executor records, and it refuses both: after a yes the card would already be claimed.
        var anonymous = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60));
        foreach (var (caller, expected) in new[] { ("bob\n", "caller contains the control character U+000A at position 3"), (new string('b', 257), "caller is 257 characters; at most 256") })
        {
            var session = "edge-" + Guid.NewGuid().ToString("N");
            var error = await Assert.ThrowsAsync<RpcException>(() => Intent.InterpretAsync(
                new InterpretRequest { Utterance = "help", SessionId = session, Caller = caller }, anonymous).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.StartsWith(expected, error.Status.Detail, StringComparison.Ordinal);
            var absent = await Assert.ThrowsAsync<RpcException>(() => Intent.GetSessionAsync(new GetSessionRequest { SessionId = session }, anonymous).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, absent.StatusCode);
        }

        var token = await Assert.ThrowsAsync<RpcException>(() => Intent.ListPendingAsync(
            new ListPendingRequest { Page = new PageRequest { PageToken = "next" } }, platform.Alice).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, token.StatusCode);
        Assert.StartsWith("page.page_token is not a token this service issued", token.Status.Detail, StringComparison.Ordinal);
    }
}
