using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Grpc.Core;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Testing;

namespace ScriptPlatform.IntegrationTests.Platform;

/// <summary>The tests that share one start of the app model.</summary>
[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}

/// <summary>
/// The whole app model of the AppHost (<see cref="AppHostPlatform"/>), started once for the tests of
/// the platform collection.
/// </summary>
public class PlatformFixture : IAsyncLifetime
{
    private AppHostPlatform? _platform;

    public AppHostPlatform Platform => _platform ?? throw new InvalidOperationException("The platform has not started.");

    public DistributedApplication App => Platform.App;

    /// <summary>Postgres and RabbitMQ as podman containers (<c>AppHost:Containers</c>) instead of executables.</summary>
    public virtual bool Containers => false;

    /// <summary>Every resource of the app model, with the state it settles in.</summary>
    public IEnumerable<(string Name, string State)> Resources =>
        (Containers ? AppHostPlatform.ServingResources : ["postgres-init", "rabbitmq-epmd", .. AppHostPlatform.ServingResources])
            .Select(name => (name, name == "postgres-init" ? KnownResourceStates.Finished : KnownResourceStates.Running));

    public Uri Dashboard => Platform.Dashboard;

    public RegistryService.RegistryServiceClient Registry => Platform.Registry;

    public ExecutorService.ExecutorServiceClient Executor => Platform.Executor;

    public IntentService.IntentServiceClient Intent => Platform.Intent;

    /// <inheritdoc cref="AppHostPlatform.Model"/>
    public ScriptedModelServer Model => Platform.Model;

    /// <inheritdoc cref="AppHostPlatform.Admin"/>
    public Metadata Admin => Platform.Admin;

    /// <inheritdoc cref="AppHostPlatform.StartTime"/>
    public TimeSpan StartTime => Platform.StartTime;

    public virtual async ValueTask InitializeAsync() =>
        _platform = await AppHostPlatform.StartAsync(Containers, TestContext.Current.CancellationToken);

    public virtual async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }
}
