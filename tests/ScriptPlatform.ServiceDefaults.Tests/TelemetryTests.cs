using System.Collections.Concurrent;
using System.Diagnostics;

namespace ScriptPlatform.ServiceDefaults.Tests;

/// <summary>
/// A server call is traced by ASP.NET Core hosting (ActivitySource "Microsoft.AspNetCore", the source
/// OpenTelemetry's ASP.NET Core instrumentation listens to), and grpc-dotnet tags that activity with
/// the call's method and final status.
/// </summary>
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
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private GrpcTestServer Server => _shared.Server;

    [Fact]
    public async Task Failed_call_has_a_server_activity_tagged_with_grpc_method_and_status_code()
    {
        var traceId = ActivityTraceId.CreateRandom();

        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath,
            RawGrpc.Frame(new EchoRequest { Message = "traced-fail", FailCode = (int)StatusCode.NotFound, FailMessage = "gone" }),
            headers: new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-00f067aa0ba902b7-01" });

        Assert.Equal(StatusCode.NotFound, response.GrpcStatus);
        var activity = await ServerActivityOf(traceId);
        Assert.Equal(ActivityKind.Server, activity.Kind);
        Assert.Equal(GrpcTestServer.EchoPath, activity.GetTagItem("grpc.method"));
        Assert.Equal("5", activity.GetTagItem("grpc.status_code"));
    }

    [Fact]
    public async Task Successful_call_has_status_code_0_and_continues_the_callers_trace()
    {
        var traceId = ActivityTraceId.CreateRandom();

        var response = await RawGrpc.PostAsync(Server.Address, GrpcTestServer.EchoPath,
            RawGrpc.Frame(new EchoRequest { Message = "traced-ok" }),
            headers: new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-00f067aa0ba902b7-01" });

        Assert.Equal(traceId.ToString(), response.Messages(EchoReply.Parser).Single().TraceId);
        var activity = await ServerActivityOf(traceId);
        Assert.Equal(GrpcTestServer.EchoPath, activity.GetTagItem("grpc.method"));
        Assert.Equal("0", activity.GetTagItem("grpc.status_code"));
        Assert.Equal("00f067aa0ba902b7", activity.ParentSpanId.ToString());
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>The hosting activity of the request in this trace (it stops just after the response ends).</summary>
    private async Task<Activity> ServerActivityOf(ActivityTraceId traceId)
    {
        for (var i = 0; i < 600; i++)
        {
            if (_stopped.FirstOrDefault(a => a.TraceId == traceId) is { } activity)
            {
                return activity;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"No Microsoft.AspNetCore activity stopped in trace {traceId}.");
    }
}
