using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ScriptPlatform.ServiceDefaults;

/// <summary>
/// What every ScriptPlatform service shares, after Aspire's ServiceDefaults template: OpenTelemetry,
/// health endpoints, service discovery, resilient HTTP clients, structured logs and a graceful shutdown.
/// </summary>
public static class Extensions
{
    /// <summary>Readiness: every check, dependencies included.</summary>
    public const string HealthPath = "/health";

    /// <summary>Liveness: only checks tagged <see cref="LiveTag"/> (the process answers at all).</summary>
    public const string AlivePath = "/alive";

    public const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddStructuredLogging();
        builder.ConfigureOpenTelemetry();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        // http://registry resolves through configuration (services:registry:http:0), as Aspire injects it.
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // gRPC clients take this off again (AddPlatformGrpcClient): their retry is gRPC's own policy.
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        // SIGTERM and Ctrl+C stop the host; give in-flight work time to finish.
        builder.Services.Configure<HostOptions>(options =>
            options.ShutdownTimeout = builder.Configuration.GetValue("ScriptPlatform:ShutdownTimeout", TimeSpan.FromSeconds(15)));
        return builder;
    }

    /// <summary>Maps <c>/health</c> (readiness, with dependencies) and <c>/alive</c> (liveness).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = HealthResponseWriter.WriteAsync });
        app.MapHealthChecks(AlivePath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        });
        return app;
    }
}
