using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScriptPlatform.ServiceDefaults.Grpc;

namespace ScriptPlatform.Bench.Grpc;

/// <summary>
/// The grpc-dotnet server, configured as a platform service is (AddGrpcServerDefaults: h2c, limits,
/// interceptors, health, reflection; StrictParsingBinder), so the figures are those a service would get.
/// </summary>
public static class BenchServer
{
    public static async Task<int> RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // No log line per call: console logging would cost more than the calls measured.
        builder.Logging.ClearProviders();
        builder.AddGrpcServerDefaults();
        // After the defaults: Kestrel applies endpoint defaults (HTTP/2 only) when an endpoint is declared.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton<EchoService>();
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        app.MapGrpcServerDefaults();
        await app.StartAsync();
        Console.WriteLine($"listening on {port}");
        await app.WaitForShutdownAsync();
        return 0;
    }

    [BindServiceMethod(typeof(EchoService), nameof(BindService))]
    private sealed class EchoService : BenchService.BenchServiceBase
    {
        // Read by the reflection service, which finds a service's descriptor on its binding type.
        public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => BenchService.Descriptor;

        // Platform services bind through StrictParsingBinder, so the bench pays for it too.
        public static void BindService(ServiceBinderBase binder, BenchService.BenchServiceBase? service) =>
            BenchService.BindService(new StrictParsingBinder(binder), service);

        public override Task<BenchReply> Echo(BenchRequest request, ServerCallContext context) =>
            Task.FromResult(new BenchReply { Text = request.Text, Id = request.Id });
    }
}
