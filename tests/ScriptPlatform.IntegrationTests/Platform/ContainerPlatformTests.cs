using System.Diagnostics;
using Grpc.Core;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Testing;

namespace ScriptPlatform.IntegrationTests.Platform;

[CollectionDefinition(Name)]
public sealed class ContainerPlatformCollection : ICollectionFixture<ContainerPlatformFixture>
{
    public const string Name = "platform-containers";
}

/// <summary>
/// The same app model in its container mode: Postgres and RabbitMQ through Aspire's hosting
/// integrations, run by podman from the images <c>scripts/oci-image.sh</c> builds offline.
/// </summary>
public sealed class ContainerPlatformFixture : PlatformFixture
{
    public static readonly string[] Images = ["localhost/scriptplatform-postgres:15", "localhost/scriptplatform-rabbitmq:3.10"];

    /// <summary>Why the container mode cannot run here, or null.</summary>
    public string? SkipReason { get; private set; }

    public override bool Containers => true;

    public override async ValueTask InitializeAsync()
    {
        SkipReason = !Environment.IsPrivilegedProcess ? "the container mode uses rootful podman; the tests do not run as root"
            : !File.Exists("/usr/bin/podman") ? "podman is not installed (./build.sh test installs it)"
            : null;
        if (SkipReason is not null)
        {
            return;
        }

        // A no-op when the images exist (./build.sh test builds them while the solution compiles).
        var (exit, output) = await RunAsync(Path.Combine(RepositoryRoot.Path, "scripts", "oci-image.sh"), "postgres", "rabbitmq");
        Assert.True(exit == 0, $"scripts/oci-image.sh postgres rabbitmq failed ({exit}): {output}");
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        await base.DisposeAsync();
        // DCP removes the containers it made; none may survive the stop.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var image in Images)
        {
            while (true)
            {
                var (_, left) = await RunAsync("/usr/bin/podman", "ps", "-a", "--filter", $"ancestor={image}", "--format", "{{.Names}}");
                if (left.Trim().Length == 0)
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"containers of {image} left after the platform stopped: {left}");
                }

                await Task.Delay(500);
            }
        }
    }

    internal static async Task<(int Exit, string Output)> RunAsync(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }
}

/// <summary>The container mode end to end: every resource healthy, a script published and run by name.</summary>
[Collection(ContainerPlatformCollection.Name)]
public sealed class ContainerPlatformTests(ContainerPlatformFixture platform)
{
    [Fact]
    public async Task Postgres_and_RabbitMQ_run_as_podman_containers_and_the_platform_serves_a_run_by_name()
    {
        Assert.SkipWhen(platform.SkipReason is not null, platform.SkipReason ?? "");
        var ct = TestContext.Current.CancellationToken;
        foreach (var (name, _) in platform.Resources)
        {
            var resource = await platform.App.ResourceNotifications.WaitForResourceHealthyAsync(name, ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
            Assert.Equal(Aspire.Hosting.ApplicationModel.KnownResourceStates.Running, resource.Snapshot.State?.Text);
        }

        var (_, running) = await ContainerPlatformFixture.RunAsync("/usr/bin/podman", "ps", "--format", "{{.Image}}");
        Assert.All(ContainerPlatformFixture.Images, image => Assert.Contains(image, running, StringComparison.Ordinal));

        var options = new CallOptions(headers: platform.Admin, deadline: DateTime.UtcNow.AddMinutes(1), cancellationToken: ct);
        await platform.Registry.PublishAsync(new PublishRequest
        {
            Name = "math_containers_001",
            Version = "1.0.0",
            Content = """
                def execute(params):
                    return {"status": "success", "data": {"product": params["a"] * params["b"]}}
                """,
        }, options);
        var run = await platform.Executor.RunAsync(new RunRequest
        {
            Script = new ScriptRef { Name = "math_containers_001" },
            ParamsJson = """{"a": 6, "b": 7}""",
            Caller = "container-test",
        }, options);
        Assert.True(run.Execution.Status == ExecutionStatus.Success, $"{run.Execution.Status}: {run.Execution.Error} {run.Execution.StderrTail}");
        Assert.Contains("42", run.Execution.DataJson, StringComparison.Ordinal);
    }
}
