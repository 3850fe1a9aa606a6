using ScriptPlatform.Grpc.Testing;

namespace ScriptPlatform.Grpc.Tests;

/// <summary>Unit tests of a service call its methods directly with the testing helpers, no server involved.</summary>
public sealed class DirectServiceCallTests
{
    [Fact]
    public async Task Service_method_can_be_called_directly_with_a_test_context()
    {
        var service = new TestServiceImpl(new CallRecorder());
        var context = TestServerCallContext.Create(requestHeaders: new Metadata().Add("x-echo", "direct"), cancellationToken: TestContext.Current.CancellationToken);

        var reply = await service.Echo(new EchoRequest { Message = "unit" }, context);

        Assert.Equal("unit", reply.Message);
        Assert.Equal("direct", context.ResponseHeaders?.GetValue("x-echo-header"));
        Assert.Equal("direct", context.ResponseTrailers.GetValue("x-echo-trailer"));
    }

    [Fact]
    public async Task Streaming_method_writes_can_be_collected_with_a_test_writer()
    {
        var writer = new TestServerStreamWriter<CountReply>();

        await new TestServiceImpl(new CallRecorder()).Count(new CountRequest { Count = 3 }, writer, TestServerCallContext.Create(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal([1, 2, 3], writer.Messages.Select(m => m.Index));
    }
}
