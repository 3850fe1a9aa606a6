using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Contracts.Grpc;

/// <summary>
/// How every caller talks to the platform's services: the generated grpc-dotnet clients, with one
/// retry mechanism (gRPC's own retry policy) that retries UNAVAILABLE for the rpcs the protos mark
/// <c>NO_SIDE_EFFECTS</c> and never for writes.
/// </summary>
public static class PlatformGrpcClients
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor[] Services =
    [
        RegistryService.Descriptor, ExecutorService.Descriptor, GenerationService.Descriptor, IntentService.Descriptor,
    ];

    /// <summary>The rpcs that may be retried (declared <c>option idempotency_level = NO_SIDE_EFFECTS</c>).</summary>
    public static IReadOnlyList<MethodDescriptor> RetriableMethods { get; } =
        [.. Services.SelectMany(s => s.Methods).Where(m => m.GetOptions()?.IdempotencyLevel is MethodOptions.Types.IdempotencyLevel.NoSideEffects or MethodOptions.Types.IdempotencyLevel.Idempotent)];

    // Declared after RetriableMethods: static initialisers run in text order.
    /// <summary>The channel configuration: retry read-only rpcs on UNAVAILABLE, with backoff and jitter, within the deadline.</summary>
    public static ServiceConfig ServiceConfig { get; } = CreateServiceConfig();

    /// <summary>A channel to one service outside dependency injection (the CLI, tests, benchmarks).</summary>
    public static GrpcChannel CreateChannel(Uri address, HttpMessageHandler? handler = null) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            ServiceConfig = ServiceConfig,
            HttpHandler = handler,
        });

    /// <summary>
    /// Registers a generated client for <paramref name="service"/> at <c>http://{service}</c>, resolved
    /// by service discovery (<c>services:{service}:http:0</c>, as Aspire injects it). The standard
    /// resilience handler that ServiceDefaults puts on every HttpClient is taken off: gRPC's retry
    /// policy is the only retry, and a total-request timeout would cut long server streams.
    /// </summary>
    public static IHttpClientBuilder AddPlatformGrpcClient<TClient>(this IServiceCollection services, string service)
        where TClient : ClientBase<TClient>
    {
        services.AddServiceDiscovery();
        var builder = services
            .AddGrpcClient<TClient>(o => o.Address = new Uri($"http://{service}"))
            .ConfigureChannel(o => o.ServiceConfig = ServiceConfig);
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to opt a client out.
        builder.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        // Idempotent: ServiceDefaults adds it to every HttpClient too; a host without them still resolves the name.
        return builder.AddServiceDiscovery();
    }

    private static ServiceConfig CreateServiceConfig()
    {
        var retry = new MethodConfig
        {
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = 5,
                InitialBackoff = TimeSpan.FromMilliseconds(100),
                MaxBackoff = TimeSpan.FromSeconds(2),
                BackoffMultiplier = 2,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };
        foreach (var method in RetriableMethods)
        {
            retry.Names.Add(new MethodName { Service = method.Service.FullName, Method = method.Name });
        }

        return new ServiceConfig { MethodConfigs = { retry } };
    }
}
