using System.Security.Cryptography;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace ScriptPlatform.AppHost.Resources;

/// <summary>
/// The container mode (<c>AppHost:Containers=true</c>, <c>./build.sh up --containers</c>): Postgres and
/// RabbitMQ through Aspire's own hosting integrations, run by podman from the images that
/// <c>scripts/oci-image.sh postgres rabbitmq</c> builds offline (no registry is reachable here). It is
/// the shape a container deployment takes; the executable mode stays the default because it starts
/// faster and needs no image build.
/// </summary>
public static class ContainerServers
{
    /// <summary>Where <c>podman import</c> puts local images.</summary>
    private const string LocalImageRegistry = "localhost";

    public static bool UsesContainers(this IDistributedApplicationBuilder builder) =>
        builder.Configuration.GetValue<bool>("AppHost:Containers");

    /// <summary>
    /// Points DCP at podman with the settings this machine needs (ulimits, runc): DCP inherits the
    /// AppHost's environment, so setting it here covers <c>./build.sh up</c> and the tests alike.
    /// Called only in the container mode: the executable mode needs no container runtime at all.
    /// </summary>
    public static void UsePodman(this IDistributedApplicationBuilder builder)
    {
        builder.Configuration["DcpPublisher:ContainerRuntime"] = "podman";
        Environment.SetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME", "podman");
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CONTAINERS_CONF")))
        {
            Environment.SetEnvironmentVariable("CONTAINERS_CONF", Path.Combine(builder.AppHostDirectory, "Containers", "containers.conf"));
        }
    }

    public static IResourceBuilder<IResourceWithConnectionString> AddPostgresContainer(this IDistributedApplicationBuilder builder, string name, string dataDirectory) =>
        builder.AddPostgres(name, password: builder.StablePassword(name, dataDirectory))
            .WithImageRegistry(LocalImageRegistry).WithImage("scriptplatform-postgres").WithImageTag("15")
            .WithDataBindMount(dataDirectory);

    public static IResourceBuilder<IResourceWithConnectionString> AddRabbitMqContainer(this IDistributedApplicationBuilder builder, string name, string dataDirectory) =>
        builder.AddRabbitMQ(name, password: builder.StablePassword(name, dataDirectory))
            .WithImageRegistry(LocalImageRegistry).WithImage("scriptplatform-rabbitmq").WithImageTag("3.10")
            .WithDataBindMount(dataDirectory);

    /// <summary>
    /// A password generated once and kept beside the data (owner-only): the server is initialised
    /// with it on the first run, so every later run must present the same one.
    /// </summary>
    private static IResourceBuilder<ParameterResource> StablePassword(this IDistributedApplicationBuilder builder, string name, string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDirectory))!, $"{name}.password");
        if (!File.Exists(file))
        {
            File.WriteAllText(file, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)));
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return builder.AddParameter($"{name}-password", File.ReadAllText(file).Trim(), secret: true);
    }
}
