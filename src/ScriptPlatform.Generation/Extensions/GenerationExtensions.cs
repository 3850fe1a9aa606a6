using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Embeddings;
using ScriptPlatform.Generation.Drafting;
using ScriptPlatform.Generation.Grpc;
using ScriptPlatform.Generation.Models;
using ScriptPlatform.Generation.Validation;
using ScriptPlatform.Sandbox;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Generation.Extensions;

public static class GenerationExtensions
{
    /// <summary>
    /// The Generation service: h2c gRPC, the models from <c>ScriptPlatform:Generation</c> (none configured: scaffold
    /// mode), the sandbox for smoke runs, the static inspector, and the embedder: the Registry's model
    /// (all-MiniLM-L6-v2 in process), or an OpenAI-compatible endpoint when one is configured.
    /// </summary>
    public static WebApplicationBuilder AddGeneration(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        services.Configure<GenerationOptions>(configuration.GetSection(GenerationOptions.SectionName));
        services.Configure<SandboxOptions>(configuration.GetSection(SandboxOptions.SectionName));
        services.AddScriptSandbox();
        builder.AddGrpcServerDefaults(PlatformServices.DefaultPort(PlatformServices.Generation));

        services.AddSingleton(sp => ChatModels.FromOptions(sp.GetRequiredService<IOptions<GenerationOptions>>().Value));
        // The Registry's model (all-MiniLM-L6-v2 in process) unless an OpenAI-compatible endpoint is configured.
        services.AddEmbeddings(configuration.GetSection($"{GenerationOptions.SectionName}:Embeddings"));

        services.AddSingleton<ModelGateway>();
        services.AddSingleton<StaticInspector>();
        services.AddSingleton<DraftValidator>();
        services.AddSingleton<DraftPipeline>();
        services.AddSingleton<GenerationGrpcService>();
        return builder;
    }

    public static WebApplication MapGeneration(this WebApplication app)
    {
        app.MapGrpcService<GenerationGrpcService>();
        app.MapGrpcServerDefaults();
        return app;
    }
}
