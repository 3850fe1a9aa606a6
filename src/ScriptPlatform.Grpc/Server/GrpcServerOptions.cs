using System.Collections.ObjectModel;
using Microsoft.Extensions.DependencyInjection;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc;

/// <summary>Server-wide options, set through <c>AddGrpcServer(o => ...)</c>.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Larger request messages end the call with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Larger response messages end the call with RESOURCE_EXHAUSTED. Default: no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Send exception messages to clients (development only: they may leak internals).</summary>
    public bool EnableDetailedErrors { get; set; }

    public InterceptorCollection Interceptors { get; } = new();
}

/// <summary>Interceptors, as instances or as types created once from DI when the first service is mapped.</summary>
public sealed class InterceptorCollection : Collection<Func<IServiceProvider, Interceptor>>
{
    public void Add(Interceptor interceptor) => Add(_ => interceptor);

    public void Add<TInterceptor>()
        where TInterceptor : Interceptor =>
        Add(sp => ActivatorUtilities.GetServiceOrCreateInstance<TInterceptor>(sp));
}
