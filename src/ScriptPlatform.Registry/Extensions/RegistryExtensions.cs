using MassTransit;
using Microsoft.Extensions.AI;
using Npgsql;
using ScriptPlatform.Embeddings;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Persistence;
using ScriptPlatform.Registry.Auth;
using ScriptPlatform.Registry.Checking;
using ScriptPlatform.Registry.Grpc;
using ScriptPlatform.Registry.Infrastructure;
using ScriptPlatform.Registry.IntegrationEvents;
using ScriptPlatform.Registry.Search;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Registry.Extensions;

/// <summary>The registry's wiring: Postgres, migrations, embeddings and index, auth, gRPC, MassTransit.</summary>
public static class RegistryExtensions
{
    public const string PostgresConnectionName = "postgres";
    public const string RabbitMqConnectionName = "rabbitmq";
    public const string QdrantConnectionName = "qdrant";
    public const string EmbeddingsSection = "ScriptPlatform:Registry:Embeddings";
    public const string QdrantSection = "ScriptPlatform:Registry:Qdrant";

    public static WebApplicationBuilder AddRegistry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        // Order matters: the schema exists before the index loads and before messages are consumed.
        builder.AddPostgresWithMigrations(PostgresConnectionName, typeof(Migrator).Assembly, Migrator.ResourcePrefix, Migrator.LockKey, NpgsqlExtensions.TuneForHotStatements);
        // Request text is checked (by the defaults' interceptor) before authentication, which is itself a database call.
        builder.AddGrpcServerDefaults(PlatformServices.DefaultPort(PlatformServices.Registry))
            .AddServiceOptions<RegistryGrpcService>(o => o.Interceptors.Add<ApiKeyInterceptor>());
        services.AddSingleton(TimeProvider.System);
        services.Configure<RegistryAuthOptions>(configuration.GetSection(RegistryAuthOptions.Section));
        services.Configure<ScriptCheckerOptions>(configuration.GetSection(ScriptCheckerOptions.Section));
        services.AddSingleton<IScriptChecker, PythonScriptChecker>();
        // all-MiniLM-L6-v2 in process unless an OpenAI-compatible endpoint is configured.
        services.AddEmbeddings(configuration.GetSection(EmbeddingsSection));
        // Start-up only: an endpoint without configured dimensions is asked once.
        services.AddSingleton(sp => sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().DescribeAsync().GetAwaiter().GetResult());
        services.AddVectorStore(configuration);
        services.AddSingleton(sp => new SemanticIndex(
            sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(), sp.GetRequiredService<EmbeddingModelInfo>(), sp.GetRequiredService<IVectorStore>(),
            sp.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(EmbeddingsExtensions.BackgroundKey)));
        services.AddSingleton<ScriptStore>();
        services.AddSingleton<SearchService>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<RegistryAuthorizer>();
        services.AddSingleton<RegistryGrpcService>();

        // After the migrations' hosted service (registered above): the key table exists when it runs.
        services.Configure<DevelopmentKeyOptions>(configuration.GetSection(DevelopmentKeyOptions.Section));
        services.AddHostedService<DevelopmentKeyProvisioner>();

        services.AddSingleton<ScriptEmbedder>();
        services.AddSingleton<VectorStoreSynchronizer>();
        services.AddHostedService(sp => sp.GetRequiredService<VectorStoreSynchronizer>());
        // After the synchroniser: its start-up backfill has embedded what a crash left behind.
        services.AddSingleton<EmbeddingQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddingQueue>());
        // Readiness (and gRPC health) include the vector store: Qdrant down means not ready.
        services.AddHealthChecks().AddCheck<VectorStoreSynchronizer>("vector-store");

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

    /// <summary>Qdrant when <c>ConnectionStrings__qdrant</c> is set, else the in-process index.</summary>
    private static void AddVectorStore(this IServiceCollection services, IConfiguration configuration)
    {
        var qdrant = configuration.GetConnectionString(QdrantConnectionName);
        if (string.IsNullOrWhiteSpace(qdrant))
        {
            services.AddSingleton<IVectorStore>(sp => new InMemoryVectorIndex(sp.GetRequiredService<EmbeddingModelInfo>().Dimensions));
            return;
        }

        var collection = configuration[$"{QdrantSection}:Collection"] is { Length: > 0 } c ? c : "registry_scripts";
        var timeout = TimeSpan.FromSeconds(configuration.GetValue($"{QdrantSection}:TimeoutSeconds", 5.0));
        services.AddSingleton<IVectorStore>(sp => QdrantVectorStore.Create(qdrant, collection, sp.GetRequiredService<EmbeddingModelInfo>().Dimensions, timeout));
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
        NpgsqlExtensions.TuneForHotStatements(csb);
        return NpgsqlDataSource.Create(csb.ConnectionString);
    }
}
