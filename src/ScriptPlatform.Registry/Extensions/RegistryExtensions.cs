using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Persistence;
using ScriptPlatform.Registry.Auth;
using ScriptPlatform.Registry.Checking;
using ScriptPlatform.Registry.Grpc;
using ScriptPlatform.Registry.Infrastructure;
using ScriptPlatform.Registry.IntegrationEvents;
using ScriptPlatform.Registry.Search;
using ScriptPlatform.Registry.Search.Embeddings;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Registry.Extensions;

/// <summary>The registry's wiring: Postgres, migrations, embeddings and index, auth, gRPC, MassTransit.</summary>
public static class RegistryExtensions
{
    public const string PostgresConnectionName = "postgres";
    public const string RabbitMqConnectionName = "rabbitmq";

    public static WebApplicationBuilder AddRegistry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        // Order matters: the schema exists before the index loads and before messages are consumed.
        builder.AddPostgresWithMigrations(PostgresConnectionName, typeof(Migrator).Assembly, Migrator.ResourcePrefix, Migrator.LockKey, TuneDataSource);
        // Request text is checked (by the defaults' interceptor) before authentication, which is itself a database call.
        builder.AddGrpcServerDefaults(PlatformServices.DefaultPort(PlatformServices.Registry))
            .AddServiceOptions<RegistryGrpcService>(o => o.Interceptors.Add<ApiKeyInterceptor>());
        services.AddSingleton(TimeProvider.System);
        services.Configure<RegistryAuthOptions>(configuration.GetSection(RegistryAuthOptions.Section));
        services.Configure<EmbeddingOptions>(configuration.GetSection(EmbeddingOptions.Section));
        services.Configure<ScriptCheckerOptions>(configuration.GetSection(ScriptCheckerOptions.Section));
        services.AddSingleton<IScriptChecker, PythonScriptChecker>();
        services.AddSingleton(sp => CreateEmbeddingProvider(sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value));
        services.AddSingleton<IVectorIndex>(sp => new InMemoryVectorIndex(sp.GetRequiredService<IEmbeddingProvider>().Dimensions));
        services.AddSingleton<SemanticIndex>();
        services.AddSingleton<ScriptStore>();
        services.AddSingleton<SearchService>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<RegistryAuthorizer>();
        services.AddSingleton<RegistryGrpcService>();

        // After the migrations' hosted service (registered above): the key table exists when it runs.
        services.Configure<DevelopmentKeyOptions>(configuration.GetSection(DevelopmentKeyOptions.Section));
        services.AddHostedService<DevelopmentKeyProvisioner>();

        services.AddSingleton<VectorIndexSynchronizer>();
        services.AddHostedService(sp => sp.GetRequiredService<VectorIndexSynchronizer>());

        var rabbitMq = configuration.GetConnectionString(RabbitMqConnectionName);
        if (string.IsNullOrEmpty(rabbitMq))
        {
            services.AddSingleton<IRegistryEvents, NoRegistryEvents>();
        }
        else
        {
            services.AddSingleton<IRegistryEvents, MassTransitRegistryEvents>();
            // Ready only once the consumer's queue is bound, so no ScriptRunCompleted is dropped after start.
            services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
            services.AddMassTransit(bus =>
            {
                bus.AddConsumer<ScriptRunCompletedConsumer, ScriptRunCompletedConsumerDefinition>();
                bus.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(new Uri(rabbitMq));
                    cfg.ConfigureEndpoints(context);
                });
            });
        }

        return builder;
    }

    public static WebApplication MapRegistry(this WebApplication app)
    {
        app.MapGrpcService<RegistryGrpcService>();
        app.MapGrpcServerDefaults();
        return app;
    }

    /// <summary>A pooled data source that prepares the registry's hot statements automatically.</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        TuneDataSource(csb);
        return NpgsqlDataSource.Create(csb.ConnectionString);
    }

    /// <summary>Prepares the registry's hot statements automatically unless the connection string says otherwise.</summary>
    private static void TuneDataSource(NpgsqlConnectionStringBuilder csb)
    {
        if (csb.MaxAutoPrepare == 0)
        {
            csb.MaxAutoPrepare = 64;
            csb.AutoPrepareMinUsages = 2;
        }
    }

    public static IEmbeddingProvider CreateEmbeddingProvider(EmbeddingOptions options) =>
        string.IsNullOrWhiteSpace(options.Endpoint)
            ? new OfflineEmbedder(options.OfflineHashedDimensions)
            // Start-up only: the dimension probe needs one call when no dimension is configured.
            : OpenAiEmbeddingProvider.CreateAsync(options).GetAwaiter().GetResult();
}
