using Google.Protobuf;

namespace ScriptPlatform.Grpc.Server.Internal;

/// <summary>The request stream of client-streaming and duplex calls.</summary>
internal sealed class PipeStreamReader<T>(HttpContextServerCallContext context, MessageParser<T> parser) : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private T? _current;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _current = await PipeMessageReader.ReadAsync(context.GetHttpContext().Request.BodyReader, parser, context).ConfigureAwait(false);
        return _current is not null;
    }
}
