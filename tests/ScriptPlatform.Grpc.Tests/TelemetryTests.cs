using System.Collections.Concurrent;
using System.Diagnostics;

namespace ScriptPlatform.Grpc.Tests;

public sealed class TelemetryTests : IClassFixture<SharedServer>, IDisposable
{
    private readonly SharedServer _shared;

    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public TelemetryTests(SharedServer shared)
    {
        _shared = shared;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GrpcTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private GrpcTestServer Server => _shared.Server;

    [Fact]
    public async Task Each_call_has_a_client_and_a_server_activity_with_rpc_tags()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client.EchoAsync(
            new EchoRequest { Message = "traced-fail", FailCode = (int)StatusCode.NotFound }));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        var spans = await SpansOf("scriptplatform.grpc.test.v1.TestService/Echo", expected: 2);
        var client = spans.Single(a => a.Kind == ActivityKind.Client);
        var server = spans.Single(a => a.Kind == ActivityKind.Server);
        foreach (var span in spans)
        {
            Assert.Equal("grpc", span.GetTagItem("rpc.system"));
            Assert.Equal("scriptplatform.grpc.test.v1.TestService", span.GetTagItem("rpc.service"));
            Assert.Equal("Echo", span.GetTagItem("rpc.method"));
            Assert.Equal((int)StatusCode.NotFound, span.GetTagItem("rpc.grpc.status_code"));
        }

        Assert.Equal(ActivityStatusCode.Error, client.Status);
        Assert.Equal(client.TraceId, server.TraceId);
        Assert.Equal(client.SpanId, server.ParentSpanId);
    }

    [Fact]
    public async Task Server_streaming_spans_carry_the_final_status()
    {
        await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in Server.Client.CountAsync(new CountRequest { Count = 2, FailCode = (int)StatusCode.Aborted }))
            {
            }
        });

        var spans = await SpansOf("scriptplatform.grpc.test.v1.TestService/Count", expected: 2);
        Assert.All(spans, span => Assert.Equal((int)StatusCode.Aborted, span.GetTagItem("rpc.grpc.status_code")));
    }

    [Fact]
    public async Task Trace_context_propagates_from_the_callers_activity_to_the_handler()
    {
        using var parent = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();

        var reply = await Server.Client.EchoAsync(new EchoRequest { Message = "traced" });

        Assert.Equal(parent.TraceId.ToString(), reply.TraceId);
    }

    [Fact]
    public async Task Server_extracts_a_traceparent_sent_by_another_client()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

        var response = await RawGrpc.PostAsync(Server.Address, "/scriptplatform.grpc.test.v1.TestService/Echo", RawGrpc.Frame(new EchoRequest { Message = "foreign" }),
            headers: new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-00f067aa0ba902b7-01" });

        Assert.Equal(traceId, response.Messages(EchoReply.Parser).Single().TraceId);
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>The spans of one trace (other tests run in parallel); the server's may stop just after the client's.</summary>
    private async Task<Activity[]> SpansOf(string name, int expected)
    {
        for (var i = 0; i < 100; i++)
        {
            var client = _stopped.LastOrDefault(a => a.DisplayName == name && a.Kind == ActivityKind.Client && a.Status == ActivityStatusCode.Error);
            if (client is not null)
            {
                var trace = _stopped.Where(a => a.TraceId == client.TraceId).ToArray();
                if (trace.Length >= expected)
                {
                    return trace;
                }
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"Expected {expected} spans named {name}.");
    }
}
