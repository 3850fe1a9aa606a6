namespace ScriptPlatform.Grpc;

/// <summary>Writes the messages of a streamed response.</summary>
public interface IServerStreamWriter<in T>
{
    Task WriteAsync(T message);
}

/// <summary>Reads the messages of a streamed request, one at a time (shaped like grpc-dotnet's).</summary>
public interface IAsyncStreamReader<out T>
{
    T Current { get; }

    Task<bool> MoveNext(CancellationToken cancellationToken = default);
}

public static class AsyncStreamReaderExtensions
{
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(
        this IAsyncStreamReader<T> reader,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }
}
