using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ScriptPlatform.Testing;

/// <summary>
/// A platform service started in-process the way its Program.cs starts it (its own Add…/Map… extensions), on a free
/// loopback port with in-memory settings and no log output: how the suites host the services they talk to.
/// </summary>
public static class LoopbackHost
{
    /// <param name="applicationName">The service's assembly name ("ScriptPlatform.Intent"), so its migrations and settings are found.</param>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(string applicationName, IDictionary<string, string?> settings,
        Action<WebApplicationBuilder> add, Action<WebApplication> map, string environment = "Testing")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = applicationName, EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        add(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return (app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()));
    }

    public static async Task StopAsync(WebApplication app)
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
