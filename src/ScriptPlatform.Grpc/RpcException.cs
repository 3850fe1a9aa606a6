namespace ScriptPlatform.Grpc;

/// <summary>
/// The one exception type of this layer: thrown by handlers to answer with a status, and thrown by
/// clients for every failed call (transport failures included, mapped to a status code).
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(StatusCode code, string detail)
        : this(new Status(code, detail), new Metadata())
    {
    }

    public RpcException(Status status, Metadata trailers, Exception? innerException = null)
        : base($"Status(StatusCode=\"{status.StatusCode}\", Detail=\"{status.Detail}\")", innerException)
    {
        Status = status;
        Trailers = trailers;
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    public string Detail => Status.Detail;

    /// <summary>Trailers sent with the status (server: added to the response; client: as received).</summary>
    public Metadata Trailers { get; }
}
