using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace ScriptPlatform.ServiceDefaults.Grpc;

/// <summary>
/// Binds a generated service so that a request which does not parse answers INVALID_ARGUMENT with the
/// reason, instead of grpc-dotnet's UNKNOWN "Exception was thrown by handler.". Google.Protobuf 3.36
/// refuses invalid UTF-8 in <c>string</c> fields while parsing, before any handler or interceptor
/// runs, so this is the one place that can answer it. A service opts in with
/// <see cref="StrictServiceBinding{TServiceBase}"/>.
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

/// <summary>
/// Binds a grpc-dotnet service through <see cref="StrictParsingBinder"/>. Put it on the implementation:
/// <code>
/// [BindServiceMethod(typeof(StrictServiceBinding&lt;RegistryService.RegistryServiceBase&gt;), "BindService")]
/// public sealed class RegistryGrpcService : RegistryService.RegistryServiceBase { ... }
/// </code>
/// grpc-dotnet calls <see cref="BindService"/> instead of the generated one, and server reflection reads
/// <see cref="Descriptor"/> from the binding type.
/// </summary>
/// <typeparam name="TServiceBase">The generated base class (nested in the generated service class).</typeparam>
public static class StrictServiceBinding<TServiceBase>
    where TServiceBase : class
{
    // The generated service class holds both: static Descriptor and static BindService(ServiceBinderBase, TServiceBase).
    private static readonly Type Generated = typeof(TServiceBase).DeclaringType
        ?? throw new InvalidOperationException($"{typeof(TServiceBase)} is not a generated gRPC service base.");

    private static readonly MethodInfo GeneratedBind = Generated.GetMethod("BindService", [typeof(ServiceBinderBase), typeof(TServiceBase)])
        ?? throw new InvalidOperationException($"{Generated} has no BindService(ServiceBinderBase, {typeof(TServiceBase).Name}).");

    /// <summary>The service's descriptor, for server reflection.</summary>
    public static ServiceDescriptor Descriptor { get; } = (ServiceDescriptor)Generated.GetProperty("Descriptor")!.GetValue(null)!;

    public static void BindService(ServiceBinderBase binder, TServiceBase? service) =>
        GeneratedBind.Invoke(null, [new StrictParsingBinder(binder), service]);
}
