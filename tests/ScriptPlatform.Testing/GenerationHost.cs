using System.Globalization;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Generation.Extensions;
using Xunit;

namespace ScriptPlatform.Testing;

/// <summary>
/// The real Generation service (the same wiring as Program.cs) on a free loopback port, with its own sandbox uids:
/// the Generation suite's host, and the one the Intent and CLI suites put in front of the scripted model.
/// </summary>
public sealed class GenerationHost : IAsyncDisposable
{
    // Slot uids of the Generation tests' sandboxes (the other suites use 62000-64900).
    private static int _nextBaseUid = 60000;
    private readonly WebApplication _app;

    private GenerationHost(WebApplication app, Uri address)
    {
        _app = app;
        Channel = GrpcChannel.ForAddress(address);
        Client = new GenerationService.GenerationServiceClient(Channel);
    }

    public GrpcChannel Channel { get; }

    public GenerationService.GenerationServiceClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The address to configure a client with (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>A host whose drafting model (and refining model, when given) is the scripted server.</summary>
    public static Task<GenerationHost> WithModelAsync(ScriptedModelServer drafting, ScriptedModelServer? refining = null, ScriptedModelServer? embeddings = null,
        IDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["ScriptPlatform:Generation:Drafting:Endpoint"] = drafting.Endpoint,
            ["ScriptPlatform:Generation:Drafting:Model"] = "scripted-drafter",
            ["ScriptPlatform:Generation:Drafting:ApiKey"] = "test-key",
            ["ScriptPlatform:Generation:Drafting:TimeoutSeconds"] = "5",
            ["ScriptPlatform:Generation:Drafting:MaxRetries"] = "2",
            ["ScriptPlatform:Generation:Drafting:InitialBackoffSeconds"] = "0.02",
            ["ScriptPlatform:Generation:Drafting:InputPricePerMillionTokens"] = "2",
            ["ScriptPlatform:Generation:Drafting:OutputPricePerMillionTokens"] = "10",
        };
        if (refining is not null)
        {
            configuration["ScriptPlatform:Generation:Refining:Endpoint"] = refining.Endpoint;
            configuration["ScriptPlatform:Generation:Refining:Model"] = "scripted-refiner";
            configuration["ScriptPlatform:Generation:Refining:TimeoutSeconds"] = "5";
            configuration["ScriptPlatform:Generation:Refining:MaxRetries"] = "0";
        }

        if (embeddings is not null)
        {
            configuration["ScriptPlatform:Generation:Embeddings:Endpoint"] = embeddings.Endpoint;
            configuration["ScriptPlatform:Generation:Embeddings:Model"] = "scripted-embedder";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        return StartAsync(configuration);
    }

    /// <summary>A host with no model configured: scaffold mode.</summary>
    public static Task<GenerationHost> WithoutModelAsync(IDictionary<string, string?>? settings = null) =>
        StartAsync(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()));

    private static async Task<GenerationHost> StartAsync(Dictionary<string, string?> configuration)
    {
        if (!File.Exists("/usr/bin/bwrap") || !Environment.IsPrivilegedProcess)
        {
            Assert.Skip("the Generation tests smoke-run drafts in the real sandbox: they need bubblewrap and root (./build.sh test installs it)");
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "ScriptPlatform.Generation", EnvironmentName = "Development" });
        configuration["ScriptPlatform:Sandbox:Slots"] = "2";
        // Another suite passes a BaseUid of its own range, so suites running side by side never share slot uids.
        configuration.TryAdd("ScriptPlatform:Sandbox:BaseUid", (Interlocked.Add(ref _nextBaseUid, 4) - 4).ToString(CultureInfo.InvariantCulture));
        configuration["ScriptPlatform:Sandbox:KillGraceMilliseconds"] = "100";
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddGeneration();
        var app = builder.Build();
        app.MapGeneration();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GenerationHost(app, new Uri(address)) { Address = new Uri(address) };
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
