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

    // Bound as the platform's services are (StrictParsingBinder), so the bench pays for it too.
    [BindServiceMethod(typeof(StrictServiceBinding<BenchService.BenchServiceBase>), "BindService")]
    private sealed class EchoService : BenchService.BenchServiceBase
    {
        public override Task<BenchReply> Echo(BenchRequest request, ServerCallContext context) =>
            Task.FromResult(new BenchReply { Text = request.Text, Id = request.Id });
    }
}
