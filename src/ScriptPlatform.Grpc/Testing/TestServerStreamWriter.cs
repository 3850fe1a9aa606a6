namespace ScriptPlatform.Grpc.Testing;

/// <summary>Collects what a server-streaming method writes, for unit tests that call it directly.</summary>
public sealed class TestServerStreamWriter<T> : IServerStreamWriter<T>
{
    private readonly List<T> _messages = [];

    public IReadOnlyList<T> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public Task WriteAsync(T message)
    {
        lock (_messages)
        {
            _messages.Add(message);
        }

        return Task.CompletedTask;
    }
}
