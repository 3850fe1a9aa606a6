using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.ServiceDefaults.Grpc;
using VersionInfo = ScriptPlatform.Contracts.Common.V1.VersionInfo;

namespace ScriptPlatform.Executor.Tests.Infrastructure;

/// <summary>
/// A real gRPC server answering RegistryService.Load from an in-memory table (exact versions and
/// "latest"), so that the Executor's Registry path runs over the wire without the Registry service.
/// </summary>
public sealed class TestRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestRegistry(WebApplication app, string address) => (_app, Address) = (app, address);

    public string Address { get; }

    public static ConcurrentDictionary<(string Name, string Version), string> Scripts { get; } = new();

    public static void Publish(string name, string version, string content) => Scripts[(name, version)] = content;

    public static async Task<TestRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.AddGrpcServerDefaults();
        var app = builder.Build();
        app.MapGrpcService<LoadOnlyRegistry>();
        await app.StartAsync();
        return new TestRegistry(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Only Load; every other rpc answers UNIMPLEMENTED.</summary>
    public sealed class LoadOnlyRegistry : RegistryService.RegistryServiceBase
    {
        public override Task<LoadResponse> Load(LoadRequest request, ServerCallContext context)
        {
            var name = request.Script.Name;
            var versions = Scripts.Keys.Where(k => k.Name == name).Select(k => k.Version).OrderByDescending(v => Version.Parse(v)).ToList();
            if (versions.Count == 0)
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"script '{name}' not found"));
            }

            var selector = request.Script.VersionSelector;
            var version = string.IsNullOrEmpty(selector) || selector == "latest" ? versions[0] : versions.FirstOrDefault(v => v == selector)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"script '{name}' has no version '{selector}'"));
            var content = Scripts[(name, version)];
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
            if (!string.IsNullOrEmpty(request.ExpectedContentHash) && request.ExpectedContentHash != hash)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"content hash mismatch for {name} {version}"));
            }

            return Task.FromResult(new LoadResponse
            {
                Version = new VersionInfo { Name = name, Version = version, ContentHash = hash, IsLatest = version == versions[0] },
                Content = content,
            });
        }
    }
}
