using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Cli.Infrastructure;

/// <summary>
/// The platform's generated gRPC clients, registered the way the services register theirs
/// (<see cref="PlatformGrpcClients.AddPlatformGrpcClient{TClient}"/>: service discovery over the
/// <c>services:{name}:http:0</c> keys, retries for read-only rpcs only), and the mapping of gRPC
/// failures to errors a person can act on.
/// </summary>
public sealed class PlatformClients(CliSettings settings) : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private readonly Lazy<ServiceProvider> _provider = new(() => Build(settings.Configuration));
    private readonly Dictionary<string, bool> _reachable = [];

    public RegistryService.RegistryServiceClient Registry => Client<RegistryService.RegistryServiceClient>();

    public ExecutorService.ExecutorServiceClient Executor => Client<ExecutorService.ExecutorServiceClient>();

    public GenerationService.GenerationServiceClient Generation => Client<GenerationService.GenerationServiceClient>();

    public IntentService.IntentServiceClient Intent => Client<IntentService.IntentServiceClient>();

    /// <summary>Asks one service's standard gRPC health service; the answer, or why there was none.</summary>
    public async Task<(bool Serving, string Detail)> HealthAsync(string service, CancellationToken ct)
    {
        var address = settings.ServiceAddress(service);
        using var channel = PlatformGrpcClients.CreateChannel(address);
        try
        {
            var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: ct)
                .ResponseAsync.ConfigureAwait(false);
            return (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving, $"{address} {reply.Status.ToString().ToLowerInvariant()}");
        }
        catch (RpcException ex)
        {
            return (false, $"{address} not reachable ({ex.StatusCode}: {ex.Status.Detail}); start it with ./build.sh up");
        }
    }

    /// <summary>Call options: the API key (when one is configured) and a deadline.</summary>
    public CallOptions Options(TimeSpan? timeout = null, bool withKey = true, CancellationToken ct = default)
    {
        var headers = new Metadata();
        if (withKey && settings.ApiKey() is { } key)
        {
            headers.Add("authorization", "Bearer " + key);
        }

        return new CallOptions(headers, DateTime.UtcNow + (timeout ?? DefaultTimeout), ct);
    }

    /// <summary>Runs one call; gRPC failures become <see cref="CliError"/>s that name the service and what to do.</summary>
    public async Task<T> CallAsync<T>(string service, Func<CallOptions, AsyncUnaryCall<T>> call, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        try
        {
            return await call(Options(timeout, ct: ct)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw ToError(service, ex);
        }
    }

    /// <summary>
    /// A quick TCP probe (cached per invocation): optional remote work (recording a local run, the
    /// newer-version check) is skipped at once when nothing listens, instead of waiting out retries.
    /// </summary>
    public async Task<bool> IsReachableAsync(string service, CancellationToken ct = default)
    {
        if (_reachable.TryGetValue(service, out var known))
        {
            return known;
        }

        var address = settings.ServiceAddress(service);
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(800));
        try
        {
            await client.ConnectAsync(address.Host, address.Port, timeout.Token).ConfigureAwait(false);
            return _reachable[service] = true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return _reachable[service] = false;
        }
    }

    public CliError ToError(string service, RpcException ex)
    {
        var address = settings.ServiceAddress(service);
        var detail = ex.Status.Detail;
        return ex.StatusCode switch
        {
            StatusCode.Unavailable => Unreachable(service, address, detail),
            StatusCode.DeadlineExceeded => new CliError("timeout", $"The {service} service at {address} did not answer in time: {detail}",
                "Try again, or check the platform with: sp doctor"),
            StatusCode.Unauthenticated => new CliError("unauthenticated", $"The {service} service refused the call: {detail}",
                "Set SCRIPTPLATFORM_API_KEY, or api_key in ~/.scriptplatform/config.json (an admin makes keys with: sp keys create --scope publish)."),
            StatusCode.PermissionDenied => new CliError("permission_denied", $"The {service} service refused the call: {detail}",
                "Use an API key with the needed scope (publish for writes, admin for keys)."),
            StatusCode.NotFound => new CliError("not_found", detail),
            StatusCode.AlreadyExists => new CliError("already_exists", detail),
            StatusCode.FailedPrecondition => new CliError("failed_precondition", detail),
            StatusCode.InvalidArgument => new CliError("invalid_argument", detail),
            StatusCode.ResourceExhausted => new CliError("limit_exceeded", detail), // too large, or too many at once: the detail says which
            StatusCode.Unimplemented => new CliError("unsupported", $"The {service} service at {address} does not offer this call ({detail}); it may be an older version."),
            _ => new CliError("remote_error", $"The {service} service failed: {ex.StatusCode} {detail}"),
        };
    }

    public static CliError Unreachable(string service, Uri address, string? detail = null) =>
        new("platform_unreachable", $"The {service} service at {address} is unreachable{(string.IsNullOrEmpty(detail) ? "" : $" ({detail})")}.",
            $"Start the platform with ./build.sh up, or point SCRIPTPLATFORM_SERVICES__{service.ToUpperInvariant()}__HTTP__0 at it. Local scripts (project and user tiers) keep working.");

    public void Dispose()
    {
        if (_provider.IsValueCreated)
        {
            _provider.Value.Dispose();
        }
    }

    private T Client<T>() where T : class => _provider.Value.GetRequiredService<T>();

    private static ServiceProvider Build(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddPlatformGrpcClient<RegistryService.RegistryServiceClient>(PlatformServices.Registry);
        services.AddPlatformGrpcClient<ExecutorService.ExecutorServiceClient>(PlatformServices.Executor);
        services.AddPlatformGrpcClient<GenerationService.GenerationServiceClient>(PlatformServices.Generation);
        services.AddPlatformGrpcClient<IntentService.IntentServiceClient>(PlatformServices.Intent);
        return services.BuildServiceProvider();
    }
}
