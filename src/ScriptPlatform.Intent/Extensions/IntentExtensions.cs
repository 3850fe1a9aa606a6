using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Intent.Actions;
using ScriptPlatform.Intent.Confirmation;
using ScriptPlatform.Intent.Domain;
using ScriptPlatform.Intent.Grpc;
using ScriptPlatform.Intent.Infrastructure;
using ScriptPlatform.Intent.Parsing;
using ScriptPlatform.Persistence;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Intent.Extensions;

public static class IntentExtensions
{
    /// <summary>
    /// Intent's wiring: its own Postgres database (sessions, pending actions; migrated at start-up),
    /// gRPC on :7101, and clients for the Registry and the Executor (required) and Generation (when
    /// <c>services:generation</c> is configured: drafting, and the model's classification of ambiguous
    /// requests), resolved by service discovery as Aspire injects them.
    /// </summary>
    public static WebApplicationBuilder AddIntent(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddPostgresWithMigrations("postgres", typeof(PendingActionStore).Assembly, PendingActionStore.MigrationPrefix, PendingActionStore.MigrationLock);
        builder.AddGrpcServerDefaults(PlatformServices.DefaultPort(PlatformServices.Intent));
        services.Configure<IntentOptions>(builder.Configuration.GetSection(IntentOptions.Section));
        services.AddSingleton(TimeProvider.System);

        services.AddPlatformGrpcClient<RegistryService.RegistryServiceClient>(PlatformServices.Registry);
        services.AddPlatformGrpcClient<ExecutorService.ExecutorServiceClient>(PlatformServices.Executor);
        var hasGeneration = builder.Configuration.GetSection($"services:{PlatformServices.Generation}").Exists();
        if (hasGeneration)
        {
            services.AddPlatformGrpcClient<GenerationService.GenerationServiceClient>(PlatformServices.Generation);
        }

        services.AddSingleton(sp => new PlatformClients(
            sp.GetRequiredService<RegistryService.RegistryServiceClient>(),
            sp.GetRequiredService<ExecutorService.ExecutorServiceClient>(),
            hasGeneration ? sp.GetRequiredService<GenerationService.GenerationServiceClient>() : null));
        services.AddSingleton<PendingActionStore>();
        services.AddSingleton<ActionPlanner>();
        services.AddSingleton<ActionRunner>();
        services.AddSingleton<ReadActions>();
        if (hasGeneration)
        {
            // Ambiguous requests are classified by Generation's model; without Generation (or without a model
            // there) they get the parser's clarifying question.
            services.AddSingleton<IIntentClassifier, GenerationClassifier>();
        }

        services.AddSingleton<Conversation>();
        services.AddSingleton<IntentGrpcService>();
        return builder;
    }

    public static WebApplication MapIntent(this WebApplication app)
    {
        app.MapGrpcService<IntentGrpcService>();
        app.MapGrpcServerDefaults();
        return app;
    }
}
