using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using ScriptPlatform.Grpc.Client;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc;

/// <summary>
/// Base of typed clients: a typed client passes its service descriptor and calls rpcs by their proto
/// name. Paths come from the descriptor, so there is no hand-written route string.
/// </summary>
public abstract class GrpcClientBase
{
    private static readonly CallOptions DefaultOptions = new();

    private readonly FrozenDictionary<string, ClientMethod> _methods;

    protected GrpcClientBase(GrpcChannel channel, ServiceDescriptor service)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(service);
        Channel = channel;
        Service = service;
        _methods = service.Methods.ToFrozenDictionary(
            m => m.Name,
            m =>
            {
                var method = GrpcMethod.From(m);
                return new ClientMethod(method, new Uri(channel.Address, method.Path));
            },
            StringComparer.Ordinal);
    }

    public GrpcChannel Channel { get; }

    public ServiceDescriptor Service { get; }

    /// <summary>
    /// A unary call. With <paramref name="idempotent"/>, a call that fails with UNAVAILABLE is retried
    /// (<see cref="GrpcChannelOptions.MaxRetryAttempts"/>, exponential backoff, within the deadline).
    /// </summary>
    protected Task<TResponse> UnaryAsync<TRequest, TResponse>(string method, TRequest request, CallOptions? options = null, bool idempotent = false)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        var clientMethod = Find(method);
        return UnaryCoreAsync(clientMethod, request, options ?? DefaultOptions, idempotent, static (TResponse response, ClientCall<TResponse> _) => response);
    }

    /// <summary>A unary call that also returns the response headers and trailers.</summary>
    protected Task<UnaryCallResult<TResponse>> UnaryCallAsync<TRequest, TResponse>(string method, TRequest request, CallOptions? options = null, bool idempotent = false)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        var clientMethod = Find(method);
        return UnaryCoreAsync(
            clientMethod,
            request,
            options ?? DefaultOptions,
            idempotent,
            static (TResponse response, ClientCall<TResponse> call) => new UnaryCallResult<TResponse>(response, call.ResponseHeaders, call.Trailers));
    }

    /// <summary>A server-streaming call: the messages as they arrive; a non-OK end throws after the last one.</summary>
    protected IAsyncEnumerable<TResponse> ServerStreamingAsync<TRequest, TResponse>(string method, TRequest request, CallOptions? options = null)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        var clientMethod = Find(method);
        return ServerStreamingCoreAsync<TResponse>(clientMethod, request, options ?? DefaultOptions);
    }

    private ClientMethod Find(string method) =>
        _methods.TryGetValue(method, out var found)
            ? found
            : throw new ArgumentException($"Service {Service.FullName} has no rpc named '{method}'.", nameof(method));

    private Task<TResult> UnaryCoreAsync<TResponse, TResult>(
        ClientMethod method, IMessage request, CallOptions options, bool idempotent, Func<TResponse, ClientCall<TResponse>, TResult> result)
        where TResponse : class, IMessage<TResponse>, new() =>
        idempotent || GrpcTelemetry.IsEnabled
            ? UnaryWithRetriesAndSpanAsync(method, request, options, idempotent, result)
            : ClientCall<TResponse>.UnaryAsync(Channel, method, request, options, result);

    private async Task<TResult> UnaryWithRetriesAndSpanAsync<TResponse, TResult>(
        ClientMethod method, IMessage request, CallOptions options, bool idempotent, Func<TResponse, ClientCall<TResponse>, TResult> result)
        where TResponse : class, IMessage<TResponse>, new()
    {
        using var activity = GrpcTelemetry.StartClient(method.Method);
        var code = StatusCode.Unknown;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var value = await ClientCall<TResponse>.UnaryAsync(Channel, method, request, options, result).ConfigureAwait(false);
                    code = StatusCode.OK;
                    return value;
                }
                catch (RpcException ex) when (idempotent && ex.StatusCode == StatusCode.Unavailable && attempt < Channel.Options.MaxRetryAttempts)
                {
                    if (!await RetryBackoff.DelayAsync(Channel.Options.InitialRetryBackoff, attempt, options).ConfigureAwait(false))
                    {
                        code = ex.StatusCode;
                        throw;
                    }
                }
            }
        }
        catch (RpcException ex)
        {
            code = ex.StatusCode;
            throw;
        }
        finally
        {
            GrpcTelemetry.Stop(activity, code, isServer: false);
        }
    }

    private async IAsyncEnumerable<TResponse> ServerStreamingCoreAsync<TResponse>(
        ClientMethod method, IMessage request, CallOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TResponse : class, IMessage<TResponse>, new()
    {
        using var activity = GrpcTelemetry.StartClient(method.Method);
        using var linked = cancellationToken.CanBeCanceled && options.CancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, options.CancellationToken)
            : null;
        var token = linked?.Token ?? (cancellationToken.CanBeCanceled ? cancellationToken : options.CancellationToken);
        var call = ClientCall<TResponse>.Create(Channel, options, token);
        try
        {
            await call.SendAsync(method, request, options).ConfigureAwait(false);
            while (await call.ReadNextAsync().ConfigureAwait(false) is { } message)
            {
                yield return message;
            }
        }
        finally
        {
            await call.DisposeAsync().ConfigureAwait(false);

            // No outcome means the consumer stopped reading early, which cancels the call.
            GrpcTelemetry.Stop(activity, call.Outcome ?? StatusCode.Cancelled, isServer: false);
        }
    }
}

/// <summary>The response of a unary call with the metadata that came with it.</summary>
public sealed record UnaryCallResult<TResponse>(TResponse Response, Metadata ResponseHeaders, Metadata Trailers);
