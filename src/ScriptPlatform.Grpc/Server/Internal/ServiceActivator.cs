using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ScriptPlatform.Grpc.Server.Internal;

/// <summary>
/// Gets the service instance for a call from the request's DI scope: the registered service if there
/// is one, otherwise a new instance whose constructor dependencies come from that scope (disposed
/// with the request). Decided once at start-up.
/// </summary>
internal sealed class ServiceActivator<TService>
    where TService : class
{
    private readonly ObjectFactory? _factory;

    public ServiceActivator(IServiceProvider services)
    {
        var isService = services.GetService<IServiceProviderIsService>();
        if (isService?.IsService(typeof(TService)) != true)
        {
            _factory = ActivatorUtilities.CreateFactory(typeof(TService), Type.EmptyTypes);
        }
    }

    /// <summary>The instance for this call; one we created is disposed with the request.</summary>
    public TService Create(HttpContext httpContext)
    {
        var services = httpContext.RequestServices;
        if (_factory is null)
        {
            return services.GetRequiredService<TService>();
        }

        var service = (TService)_factory(services, null);
        switch (service)
        {
            case IAsyncDisposable asyncDisposable:
                httpContext.Response.RegisterForDisposeAsync(asyncDisposable);
                break;
            case IDisposable disposable:
                httpContext.Response.RegisterForDispose(disposable);
                break;
        }

        return service;
    }
}
