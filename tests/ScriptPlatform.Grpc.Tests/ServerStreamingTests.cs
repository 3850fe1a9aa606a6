namespace ScriptPlatform.Grpc.Tests;

public sealed class ServerStreamingTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private GrpcTestServer Server => shared.Server;

    [Fact]
    public async Task Server_streaming_delivers_every_message_in_order()
    {
        var indexes = new List<int>();
        await foreach (var reply in Server.Client.CountAsync(new CountRequest { Count = 50 }))
        {
            indexes.Add(reply.Index);
        }

        Assert.Equal(Enumerable.Range(1, 50), indexes);
    }

    [Fact]
    public async Task Server_streaming_messages_arrive_as_they_are_written()
    {
        await using var stream = Server.Client.CountAsync(new CountRequest { Count = 2, DelayMs = 30_000 }).GetAsyncEnumerator(TestContext.Current.CancellationToken);

        // The first message is flushed at once, long before the stream ends.
        var first = await stream.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(first);
        Assert.Equal(1, stream.Current.Index);
    }

    [Fact]
    public async Task Server_streaming_error_arrives_after_the_messages()
    {
        var received = 0;
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in Server.Client.CountAsync(new CountRequest { Count = 3, FailCode = (int)StatusCode.Aborted }))
            {
                received++;
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
    }

    [Fact]
    public async Task Client_going_away_cancels_the_server_stream()
    {
        await foreach (var reply in Server.Client.CountAsync(new CountRequest { Count = 0, DelayMs = 20 }))
        {
            if (reply.Index == 3)
            {
                break;
            }
        }

        await Server.Recorder.CancellationOf("count-0-20").WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Server_streaming_deadline_ends_the_stream_with_deadline_exceeded()
    {
        var received = 0;
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in Server.Client.CountAsync(new CountRequest { Count = 0, DelayMs = 50 }, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(1))))
            {
                received++;
            }
        });

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.InRange(received, 1, 25);
    }
}
