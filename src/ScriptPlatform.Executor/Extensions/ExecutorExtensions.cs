using MassTransit;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Executor.Auth;
using ScriptPlatform.Executor.Domain;
using ScriptPlatform.Executor.Grpc;
using ScriptPlatform.Executor.Infrastructure;
using ScriptPlatform.Executor.IntegrationEvents;
using ScriptPlatform.Persistence;
using ScriptPlatform.Sandbox;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Executor.Extensions;

public static class ExecutorExtensions
{
    /// <summary>
    /// Where the Registry is, for service discovery of <c>http://registry</c> (the key Aspire injects);
    /// unset: inline content only.
    /// </summary>
    public const string RegistryAddressKey = $"services:{PlatformServices.Registry}:http:0";

    /// <summary>
    /// Everything the Executor needs: h2c Kestrel, gRPC, Postgres (migrated at start-up), the sandbox,
    /// the Registry client and MassTransit over RabbitMQ (in-memory when no <c>ConnectionStrings:rabbitmq</c>,
    /// for a single-process development setup). <paramref name="configureBus"/> lets tests add consumers.
    /// </summary>
    public static WebApplicationBuilder AddExecutor(this WebApplicationBuilder builder, Action<IBusRegistrationConfigurator>? configureBus = null)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        var executor = configuration.GetSection(ExecutorOptions.SectionName).Get<ExecutorOptions>() ?? new ExecutorOptions();
        services.Configure<ExecutorOptions>(configuration.GetSection(ExecutorOptions.SectionName));
        services.Configure<SandboxOptions>(configuration.GetSection(SandboxOptions.SectionName));
        services.AddScriptSandbox();

        // Batches carry up to MaxBatchJobs params objects of up to 1 MiB each; RequestValidation bounds them.
        // Request text is checked (by the defaults' interceptor) before authentication, which is a Registry call.
        builder.AddGrpcServerDefaults(PlatformServices.DefaultPort(PlatformServices.Executor), maxReceiveMessageSize: 64 * 1024 * 1024)
            .AddServiceOptions<ExecutorGrpcService>(o => o.Interceptors.Add<ApiKeyInterceptor>());

        // Registered before MassTransit: the schema exists before the first job is consumed.
        builder.AddPostgresWithMigrations("postgres", typeof(ExecutionStore).Assembly, "ScriptPlatform.Executor.Migrations", "scriptplatform.executor.migrations",
            NpgsqlExtensions.TuneForHotStatements);

        if (configuration.GetSection($"services:{PlatformServices.Registry}").Exists())
        {
            services.AddPlatformGrpcClient<RegistryService.RegistryServiceClient>(PlatformServices.Registry);
        }

        services.Configure<ExecutorAuthOptions>(configuration.GetSection(ExecutorOptions.SectionName));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new RegistryKeyValidator(
            sp.GetService<RegistryService.RegistryServiceClient>(), sp.GetRequiredService<IOptionsMonitor<ExecutorAuthOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ExecutorAuthorizer>();
        services.AddSingleton(sp => new ScriptResolver(sp.GetService<RegistryService.RegistryServiceClient>(), sp.GetRequiredService<IOptions<ExecutorAuthOptions>>()));
        services.AddSingleton<ExecutorGrpcService>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<ExecutionStore>();
        services.AddSingleton<RunningJobs>();
        services.AddSingleton<RunAdmission>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton(new QueueNames(executor.QueuePrefix));
        if (executor.RunsApi)
        {
            services.AddSingleton<RecoverySweeper>();
            services.AddHostedService(sp => sp.GetRequiredService<RecoverySweeper>());
        }

        services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            // Running jobs get StopGrace to finish; then their ConsumeContext tokens are cancelled and
            // RunScriptConsumer hands them back to the queue. The rest is time to do that and disconnect.
            o.ConsumerStopTimeout = executor.StopGrace;
            o.StopTimeout = executor.StopGrace + TimeSpan.FromSeconds(5);
        });
        services.AddMassTransit(x =>
        {
            var names = new QueueNames(executor.QueuePrefix);
            x.SetEndpointNameFormatter(names.Formatter);
            if (executor.RunsWorker)
            {
                x.AddConsumer<RunScriptConsumer, RunScriptConsumerDefinition>();
            }

            x.AddConsumer<ExecutionCancellationRequestedConsumer>().ExcludeFromConfigureEndpoints();
            configureBus?.Invoke(x);

            var rabbit = configuration.GetConnectionString("rabbitmq");
            if (string.IsNullOrWhiteSpace(rabbit))
            {
                x.UsingInMemory((context, cfg) => ConfigureEndpoints(context, cfg));
                return;
            }

            x.UsingRabbitMq((context, cfg) =>
            {
                var uri = new Uri(rabbit);
                var userInfo = uri.UserInfo.Split(':', 2);
                var vhost = uri.AbsolutePath.Trim('/') is { Length: > 0 } path ? Uri.UnescapeDataString(path) : "/";
                cfg.Host(uri.Host, (ushort)(uri.IsDefaultPort || uri.Port <= 0 ? 5672 : uri.Port), vhost, h =>
                {
                    h.Username(userInfo.Length > 0 && userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "guest");
                    h.Password(userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "guest");
                    h.PublisherConfirmation = true;
                    h.Heartbeat(executor.BrokerHeartbeat);
                });
                ConfigureEndpoints(context, cfg);
            });
        });
        // Every role records outcomes, so every process publishes the outbox. Registered after MassTransit: it starts
        // once the bus is up, and stops before the bus does.
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        return builder;
    }

    /// <summary>Health and reflection always; the ExecutorService unless this process is a worker only.</summary>
    public static WebApplication MapExecutor(this WebApplication app)
    {
        app.MapGrpcServerDefaults();
        if (app.Services.GetRequiredService<IOptions<ExecutorOptions>>().Value.RunsApi)
        {
            app.MapGrpcService<ExecutorGrpcService>();
        }

        return app;
    }

    private static void ConfigureEndpoints<T>(IBusRegistrationContext context, IBusFactoryConfigurator<T> cfg)
        where T : IReceiveEndpointConfigurator
    {
        // Each process gets its own auto-deleted queue for cancellations, so every worker hears every cancel.
        cfg.ReceiveEndpoint(new TemporaryEndpointDefinition("executor-cancel"), e => e.ConfigureConsumer<ExecutionCancellationRequestedConsumer>(context));
        cfg.ConfigureEndpoints(context);
    }
}
