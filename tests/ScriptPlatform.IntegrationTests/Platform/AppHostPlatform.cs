using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Extensions;
using ScriptPlatform.Testing;

namespace ScriptPlatform.IntegrationTests.Platform;

/// <summary>
/// The whole app model of the AppHost started through Aspire.Hosting.Testing: real DCP, Postgres and
/// RabbitMQ (Debian binaries, or podman containers), every service, two worker replicas and the
/// dashboard, on free ports and a data folder of its own, with the scripted model server as
/// Generation's drafting model. Free of xunit, so the platform tests' fixture and the load bench
/// (bench/load links this file) start it the same way.
/// </summary>
public sealed class AppHostPlatform : IAsyncDisposable
{
    /// <summary>The resources that serve (worker replicas share one name); the executable mode adds one-shot and helper processes.</summary>
    public static readonly string[] ServingResources =
        ["postgres", "registry-db", "executor-db", "intent-db", "rabbitmq", "registry", "generation", "executor", "executor-worker", "intent"];

    /// <summary>The .NET services of the app model (project resources).</summary>
    public static readonly string[] Services =
        [PlatformServices.Registry, PlatformServices.Generation, PlatformServices.Executor, $"{PlatformServices.Executor}-worker", PlatformServices.Intent];

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"scriptplatform-apphost-{Guid.NewGuid():N}");
    private DistributedApplication? _app;
    private GrpcChannel? _registryChannel;
    private GrpcChannel? _executorChannel;
    private GrpcChannel? _intentChannel;

    private AppHostPlatform()
    {
    }

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The platform has not started.");

    public Uri Dashboard { get; private set; } = null!;

    public RegistryService.RegistryServiceClient Registry { get; private set; } = null!;

    public ExecutorService.ExecutorServiceClient Executor { get; private set; } = null!;

    public IntentService.IntentServiceClient Intent { get; private set; } = null!;

    /// <summary>
    /// The drafting model Generation is configured with: a local server speaking the OpenAI
    /// chat-completions protocol (no model endpoint is reachable here), so the real SDK path runs.
    /// </summary>
    public ScriptedModelServer Model { get; private set; } = null!;

    /// <summary>An admin key, made by the Registry's own <c>create-admin-key</c> command on its database.</summary>
    public Metadata Admin { get; private set; } = null!;

    /// <summary>How long the whole start took (a loaded 2-core machine: about a minute).</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>
    /// Starts the app model and waits until every serving resource is healthy (at most 5 minutes);
    /// <paramref name="configure"/> adjusts the builder first (e.g. the bench quiets the resources' logs).
    /// </summary>
    public static async Task<AppHostPlatform> StartAsync(bool containers, CancellationToken ct, Action<IDistributedApplicationTestingBuilder>? configure = null)
    {
        var platform = new AppHostPlatform();
        try
        {
            await platform.InitializeAsync(containers, configure, ct);
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(bool containers, Action<IDistributedApplicationTestingBuilder>? configure, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        int dashboard = FreePort(), otlp = FreePort(), resourceService = FreePort();
        Model = await ScriptedModelServer.StartAsync();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ScriptPlatform_AppHost>(
            [
                $"--AppHost:DataDirectory={_dataDirectory}",
                $"--AppHost:Services:{PlatformServices.Registry}:Port={FreePort()}",
                $"--AppHost:Services:{PlatformServices.Executor}:Port={FreePort()}",
                $"--AppHost:Services:{PlatformServices.Generation}:Port={FreePort()}",
                $"--AppHost:Services:{PlatformServices.Intent}:Port={FreePort()}",
                $"--ASPNETCORE_URLS=http://127.0.0.1:{dashboard}",
                $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:{otlp}",
                $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://127.0.0.1:{resourceService}",
                "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true",
                "--ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true",
                $"--AppHost:Containers={containers}",
                $"--Parameters:generation-drafting-endpoint={Model.Endpoint}",
                "--Parameters:generation-drafting-model=scripted-drafter",
            ],
            (options, _) => options.DisableDashboard = false,
            ct);
        configure?.Invoke(builder);
        _app = await builder.BuildAsync(ct);
        await _app.StartAsync(ct);
        using (var healthy = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            healthy.CancelAfter(TimeSpan.FromMinutes(5));
            await Task.WhenAll(ServingResources.Select(r => _app.ResourceNotifications.WaitForResourceHealthyAsync(r, healthy.Token)));
        }

        StartTime = started.Elapsed;
        // Aspire.Hosting.Testing serves the dashboard on a port of its own choosing.
        Dashboard = _app.GetEndpoint("aspire-dashboard", "http");
        _registryChannel = PlatformGrpcClients.CreateChannel(_app.GetEndpoint(PlatformServices.Registry, "http"));
        _executorChannel = PlatformGrpcClients.CreateChannel(_app.GetEndpoint(PlatformServices.Executor, "http"));
        _intentChannel = PlatformGrpcClients.CreateChannel(_app.GetEndpoint(PlatformServices.Intent, "http"));
        Registry = new RegistryService.RegistryServiceClient(_registryChannel);
        Executor = new ExecutorService.ExecutorServiceClient(_executorChannel);
        Intent = new IntentService.IntentServiceClient(_intentChannel);

        var output = new StringWriter();
        var registryDb = await _app.GetConnectionStringAsync("registry-db", ct);
        var exit = await RegistryCommands.RunAsync(["create-admin-key", "--owner", "platformtest", $"--ConnectionStrings:postgres={registryDb}"], output, output);
        if (exit != 0)
        {
            throw new InvalidOperationException($"the Registry's create-admin-key exited with {exit}: {output}");
        }

        Admin = new Metadata { { "authorization", "Bearer " + output.ToString().Trim().Split('\n')[^1].Trim() } };
    }

    /// <summary>
    /// The process ids of a resource's instances (one per replica), by instance name, as DCP reports
    /// them in each instance's snapshot (<c>executable.pid</c>). The notification service replays every
    /// instance's current state to a new watcher first, so a short watch sees them all.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> ProcessIdsAsync(string resource, CancellationToken ct)
    {
        var pids = new Dictionary<string, int>(StringComparer.Ordinal);
        using var replay = CancellationTokenSource.CreateLinkedTokenSource(ct);
        replay.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await foreach (var update in App.ResourceNotifications.WatchAsync(replay.Token))
            {
                if (update.Resource.Name == resource
                    && update.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
                    && int.TryParse(value.ToString(), out var pid))
                {
                    pids[update.ResourceId] = pid;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The replay is over.
        }

        return pids;
    }

    /// <summary>Processes that carry this run's data folder: the servers DCP started for it.</summary>
    public IReadOnlyList<string> ProcessesOfThisRun() =>
        [.. Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d)).Where(p => p.All(char.IsAsciiDigit))
            .Select(pid => (pid, args: ReadArgs(pid)))
            .Where(p => p.args.Contains(_dataDirectory, StringComparison.Ordinal))
            .Select(p => $"{p.pid} {p.args}")];

    /// <summary>Stops everything; a stop that leaves a server running throws (build.sh also checks after every suite).</summary>
    public async ValueTask DisposeAsync()
    {
        _registryChannel?.Dispose();
        _executorChannel?.Dispose();
        _intentChannel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (Model is not null)
        {
            await Model.DisposeAsync();
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (ProcessesOfThisRun() is { Count: > 0 } left)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("Still running after the platform stopped: " + string.Join("; ", left));
            }

            await Task.Delay(250);
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Postgres may still be flushing a file it owns (or a failed start wrote nothing); the folder is under the temp root anyway.
        }
    }

    private static string ReadArgs(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static int FreePort() => LocalResources.FreePort.Next();
}
