using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ScriptPlatform.ServiceDefaults;

/// <summary>
/// OpenTelemetry traces, metrics and logs through OpenTelemetry.Extensions.Hosting, as in Aspire's
/// template: ASP.NET Core (gRPC server calls included), HttpClient, grpc-dotnet client, runtime,
/// Npgsql, MassTransit and the platform's own sources. Exported over OTLP only when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the AppHost sets it to the dashboard).
/// </summary>
public static class Telemetry
{
    /// <summary>Activity sources and meters of the platform's own code.</summary>
    public const string PlatformSources = "ScriptPlatform.*";

    private const string MassTransitSource = "MassTransit";

    internal static void ConfigureOpenTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(MassTransitSource, PlatformSources))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName, PlatformSources, MassTransitSource)
                // Health probes every few seconds would drown the traces that matter.
                .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                    !context.Request.Path.StartsWithSegments(Extensions.HealthPath) &&
                    !context.Request.Path.StartsWithSegments(Extensions.AlivePath) &&
                    !context.Request.Path.StartsWithSegments("/grpc.health.v1.Health"))
                .AddGrpcClientInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsql());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }
    }
}
