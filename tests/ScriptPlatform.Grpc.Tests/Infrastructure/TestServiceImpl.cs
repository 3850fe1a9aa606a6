using System.Diagnostics;
using Google.Protobuf;

namespace ScriptPlatform.Grpc.Tests.Infrastructure;

/// <summary>The test service: each request says what to do (delay, fail, throw, echo metadata).</summary>
public sealed class TestServiceImpl(CallRecorder recorder)
{
    public async Task<EchoReply> Echo(EchoRequest request, ServerCallContext context)
    {
        recorder.Record(request.Message, context);
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

        if (request.FailCode != 0 && recorder.ShouldFail(request.Message))
        {
            throw new RpcException(new Status((StatusCode)request.FailCode, request.FailMessage), new Metadata().Add("x-failure", "yes"));
        }

        var echoHeader = context.RequestHeaders.GetValue("x-echo");
        if (echoHeader is not null)
        {
            await context.WriteResponseHeadersAsync(new Metadata().Add("x-echo-header", echoHeader));
            context.ResponseTrailers.Add("x-echo-trailer", echoHeader);
        }

        if (context.RequestHeaders.GetValueBytes("x-data-bin") is { } data)
        {
            context.ResponseTrailers.Add("x-data-bin", data.Reverse().ToArray());
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

    public async Task Count(CountRequest request, IServerStreamWriter<CountReply> writer, ServerCallContext context)
    {
        var key = $"count-{request.Count}-{request.DelayMs}";
        try
        {
            for (var i = 1; request.Count == 0 || i <= request.Count; i++)
            {
                await writer.WriteAsync(new CountReply { Index = i });
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
            throw new RpcException((StatusCode)request.FailCode, "failed after the stream");
        }
    }
}
