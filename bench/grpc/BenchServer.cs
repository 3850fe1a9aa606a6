using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Grpc;

namespace ScriptPlatform.Bench.Grpc;

/// <summary>Our server with the bench service, configured as a platform service would be.</summary>
public static class BenchServer
{
    public static async Task<int> RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureGrpcKestrel(port);
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcServer();
        var app = builder.Build();
        app.MapGrpcService<BenchService>(BenchReflection.Descriptor.Services[0]);
        app.MapGrpcInfrastructure();
        await app.StartAsync();
        Console.WriteLine($"listening on {port}");
        await app.WaitForShutdownAsync();
        return 0;
    }

    private sealed class BenchService
    {
        public Task<BenchReply> Echo(BenchRequest request, ServerCallContext context) =>
            Task.FromResult(new BenchReply { Text = request.Text, Id = request.Id });
    }
}
