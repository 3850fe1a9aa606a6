using System.Diagnostics;
using Google.Protobuf;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.ServiceDefaults.Tests.Infrastructure;

/// <summary>
/// The test service, bound the way the platform's services are (generated base, binding class with
/// <see cref="StrictParsingBinder"/>): each request says what to do (delay, fail, throw, echo metadata).
/// </summary>
[BindServiceMethod(typeof(StrictServiceBinding<TestService.TestServiceBase>), "BindService")]
public sealed class TestServiceImpl(CallRecorder recorder) : TestService.TestServiceBase
{
    public override async Task<EchoReply> Echo(EchoRequest request, ServerCallContext context)
    {
        recorder.Record(request.Message);
        if (request.DelayMs > 0)
        {
            try
            {
                await Task.Delay(request.DelayMs, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                recorder.Cancelled(request.Message);
                throw;
            }
        }

        if (request.ThrowUnhandled)
        {
            throw new InvalidOperationException("secret internal detail");
        }

        if (request.ThrowTimeout)
        {
            throw new TimeoutException("secret connection detail");
        }

        if (request.FailCode != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailCode, request.FailMessage), new Metadata { { "x-failure", "yes" } });
        }

        var echoHeader = context.RequestHeaders.GetValue("x-echo");
        if (echoHeader is not null)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { "x-echo-header", echoHeader } });
            context.ResponseTrailers.Add("x-echo-trailer", echoHeader);
        }

        return new EchoReply
        {
            Message = request.Message,
            PayloadSize = request.Payload.Length,
            Payload = request.ReplyPayloadSize > 0 ? ByteString.CopyFrom(new byte[request.ReplyPayloadSize]) : ByteString.Empty,
            EchoHeader = echoHeader ?? "",
            TraceId = Activity.Current?.TraceId.ToString() ?? "",
            RequestEncoding = context.GetHttpContext().Request.Headers["grpc-encoding"].ToString(),
            RemainingMs = context.Deadline == DateTime.MaxValue ? -1 : (long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds,
        };
    }

    public override async Task Count(CountRequest request, IServerStreamWriter<CountReply> responseStream, ServerCallContext context)
    {
        var key = $"count-{request.Count}-{request.DelayMs}";
        try
        {
            for (var i = 1; request.Count == 0 || i <= request.Count; i++)
            {
                await responseStream.WriteAsync(new CountReply { Index = i }, context.CancellationToken);
                if (request.DelayMs > 0)
                {
                    await Task.Delay(request.DelayMs, context.CancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            recorder.Cancelled(key);
            throw;
        }

        if (request.FailCode != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailCode, "failed after the stream"));
        }
    }

    // NotImplemented is left to the generated base: it answers UNIMPLEMENTED.
}
