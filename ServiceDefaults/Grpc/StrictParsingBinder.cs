using Google.Protobuf;
using Grpc.Core;

namespace ScriptPlatform.ServiceDefaults.Grpc;

/// <summary>
/// Binds a generated service so that a request which does not parse answers INVALID_ARGUMENT with the
/// reason, instead of grpc-dotnet's UNKNOWN "Exception was thrown by handler.". Google.Protobuf 3.36
/// refuses invalid UTF-8 in <c>string</c> fields while parsing, before any handler or interceptor
/// runs, so this is the one place that can answer it. Use it from a service's binding class:
/// <code>
/// [BindServiceMethod(typeof(RegistryServiceBinding), nameof(RegistryServiceBinding.BindService))]
/// public sealed class RegistryGrpcService : RegistryService.RegistryServiceBase { ... }
///
/// public static class RegistryServiceBinding
/// {
///     public static ServiceDescriptor Descriptor => RegistryService.Descriptor;   // for reflection
///     public static void BindService(ServiceBinderBase binder, RegistryService.RegistryServiceBase? service) =>
///         RegistryService.BindService(new StrictParsingBinder(binder), service);
/// }
/// </code>
/// </summary>
public sealed class StrictParsingBinder(ServiceBinderBase inner) : ServiceBinderBase
{
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Strict(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Strict(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Strict(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Strict(method), handler);

    private static Method<TRequest, TResponse> Strict<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var parse = method.RequestMarshaller.ContextualDeserializer;
        var requests = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, context =>
        {
            try
            {
                return parse(context);
            }
            catch (InvalidProtocolBufferException e)
            {
                var reason = e.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase)
                    ? "a string field is not valid UTF-8 (text must be UTF-8; send other bytes in a bytes field)"
                    : e.Message;
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"the request is not a valid {typeof(TRequest).Name} message: {reason}"));
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, requests, method.ResponseMarshaller);
    }
}
