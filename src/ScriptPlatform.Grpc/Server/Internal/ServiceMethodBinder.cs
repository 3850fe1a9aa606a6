using System.Reflection;
using Google.Protobuf.Reflection;

namespace ScriptPlatform.Grpc.Server.Internal;

/// <summary>
/// Finds, once at start-up, the method implementing each rpc of a service descriptor and builds its
/// call handler around a compiled delegate (no reflection per call).
/// </summary>
internal static class ServiceMethodBinder
{
    public static ServerCallHandler CreateHandler<TService>(MethodDescriptor rpc, ServerMethodSetup setup, ServiceActivator<TService> activator)
        where TService : class
    {
        var candidates = typeof(TService).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.Name == rpc.Name && m.DeclaringType != typeof(object))
            .ToArray();
        if (candidates.Length == 0)
        {
            return new UnimplementedCallHandler(setup);
        }

        var shape = Shape.Of(rpc);
        var (delegateType, handlerType) = shape.Types(typeof(TService), rpc.InputType.ClrType, rpc.OutputType.ClrType);
        var expected = (MethodInfo)delegateType.GetMethod("Invoke")!;
        var parameters = expected.GetParameters().Skip(1).Select(p => p.ParameterType).ToArray();
        var method = candidates.SingleOrDefault(m =>
            m.ReturnType == expected.ReturnType && m.GetParameters().Select(p => p.ParameterType).SequenceEqual(parameters));
        if (method is null || method.IsGenericMethodDefinition)
        {
            throw new InvalidOperationException(
                $"{typeof(TService).FullName}.{rpc.Name} does not match {shape.Name} rpc {setup.Method.Path}: expected " +
                $"'public {Describe(expected.ReturnType)} {rpc.Name}({string.Join(", ", parameters.Select(Describe))})', found " +
                string.Join(" or ", candidates.Select(c => $"'{Describe(c.ReturnType)} {c.Name}({string.Join(", ", c.GetParameters().Select(p => Describe(p.ParameterType)))})'")) + ".");
        }

        // An open-instance delegate: the service instance is its first argument, chosen per call.
        var invoker = Delegate.CreateDelegate(delegateType, null, method);
        return (ServerCallHandler)Activator.CreateInstance(handlerType, setup, activator, invoker)!;
    }

    private static string Describe(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Describe))}>"
        : type.Name;

    /// <summary>The four rpc shapes and the method signature and handler each one takes.</summary>
    private sealed record Shape(string Name, Type DelegateDefinition, Type HandlerDefinition)
    {
        private static readonly Shape Unary = new("unary", typeof(Func<,,,>), typeof(UnaryCallHandler<,,>));
        private static readonly Shape ServerStreaming = new("server-streaming", typeof(Func<,,,,>), typeof(ServerStreamingCallHandler<,,>));
        private static readonly Shape ClientStreaming = new("client-streaming", typeof(Func<,,,>), typeof(ClientStreamingCallHandler<,,>));
        private static readonly Shape Duplex = new("bidirectional-streaming", typeof(Func<,,,,>), typeof(DuplexStreamingCallHandler<,,>));

        public static Shape Of(MethodDescriptor rpc) => (rpc.IsClientStreaming, rpc.IsServerStreaming) switch
        {
            (false, false) => Unary,
            (false, true) => ServerStreaming,
            (true, false) => ClientStreaming,
            (true, true) => Duplex,
        };

        public (Type Delegate, Type Handler) Types(Type service, Type request, Type response)
        {
            var requestParameter = this == Unary || this == ServerStreaming ? request : typeof(IAsyncStreamReader<>).MakeGenericType(request);
            var writer = typeof(IServerStreamWriter<>).MakeGenericType(response);
            Type[] arguments = this == Unary || this == ClientStreaming
                ? [service, requestParameter, typeof(ServerCallContext), typeof(Task<>).MakeGenericType(response)]
                : [service, requestParameter, writer, typeof(ServerCallContext), typeof(Task)];
            return (DelegateDefinition.MakeGenericType(arguments), HandlerDefinition.MakeGenericType(service, request, response));
        }
    }
}
