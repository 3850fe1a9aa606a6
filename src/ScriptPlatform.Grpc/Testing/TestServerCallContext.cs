using Microsoft.AspNetCore.Http;

namespace ScriptPlatform.Grpc.Testing;

/// <summary>
/// A call context for unit tests that call a service method directly, without a server
/// (like grpc-dotnet's Grpc.Core.Testing.TestServerCallContext).
/// </summary>
public sealed class TestServerCallContext : ServerCallContext
{
    private readonly HttpContext _httpContext;

    private TestServerCallContext(string method, Metadata requestHeaders, DateTime deadline, CancellationToken cancellationToken, HttpContext httpContext)
    {
        Method = method;
        RequestHeaders = requestHeaders;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        _httpContext = httpContext;
    }

    public override string Method { get; }

    public override DateTime Deadline { get; }

    public override CancellationToken CancellationToken { get; }

    public override Metadata RequestHeaders { get; }

    public override Metadata ResponseTrailers { get; } = new();

    public override Status Status { get; set; } = Status.DefaultSuccess;

    public override string Peer => "ipv4:127.0.0.1:50000";

    public override string Host => "localhost";

    public override IDictionary<object, object> UserState { get; } = new Dictionary<object, object>();

    /// <summary>What the method sent with <see cref="WriteResponseHeadersAsync"/>, if it did.</summary>
    public Metadata? ResponseHeaders { get; private set; }

    public static TestServerCallContext Create(
        string method = "/test.Service/Method",
        Metadata? requestHeaders = null,
        DateTime? deadline = null,
        CancellationToken cancellationToken = default,
        HttpContext? httpContext = null) =>
        new(method, requestHeaders ?? new Metadata(), deadline ?? DateTime.MaxValue, cancellationToken, httpContext ?? new DefaultHttpContext());

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        if (ResponseHeaders is not null)
        {
            throw new InvalidOperationException("Response headers can only be sent once per call.");
        }

        ResponseHeaders = responseHeaders;
        return Task.CompletedTask;
    }

    public override HttpContext GetHttpContext() => _httpContext;
}
