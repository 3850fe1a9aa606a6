using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ScriptPlatform.ServiceDefaults.Grpc;

/// <summary>
/// Turns the failures a handler does not translate itself into the status a caller can act on:
/// a cancelled or expired call is CANCELLED or DEADLINE_EXCEEDED (not UNKNOWN), and a database or
/// other dependency that does not answer in time is UNAVAILABLE (so idempotent calls are retried). Anything else stays grpc-dotnet's
/// UNKNOWN "Exception was thrown by handler.", logged with its stack.
/// </summary>
public sealed partial class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (Map(e, context) is { } status)
        {
            throw new RpcException(status);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (Map(e, context) is { } status)
        {
            throw new RpcException(status);
        }
    }

    private Status? Map(Exception exception, ServerCallContext context)
    {
        switch (exception)
        {
            case RpcException:
                return null;
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return context.Deadline <= DateTime.UtcNow
                    ? new Status(StatusCode.DeadlineExceeded, "the deadline passed before the call finished")
                    : new Status(StatusCode.Cancelled, "the call was cancelled");
            case TimeoutException:
            case NpgsqlException when IsDatabaseUnavailable((NpgsqlException)exception):
                LogUnavailable(logger, context.Method, exception);
                return new Status(StatusCode.Unavailable, "a dependency of the service (its database or broker) did not answer; retry shortly");
            default:
                return null;
        }
    }

    /// <summary>
    /// Npgsql's IsTransient, plus the server going away: a fast or crash shutdown (57P01, 57P02) or a
    /// broken connection (class 08) ends the connections in use with an error Npgsql does not call
    /// transient, yet it is the database being down, not the request's fault.
    /// </summary>
    internal static bool IsDatabaseUnavailable(NpgsqlException exception) => exception switch
    {
        { IsTransient: true } => true,
        PostgresException p => p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            || p.SqlState.StartsWith("08", StringComparison.Ordinal),
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method}: a dependency is unavailable")]
    private static partial void LogUnavailable(ILogger logger, string method, Exception exception);
}
