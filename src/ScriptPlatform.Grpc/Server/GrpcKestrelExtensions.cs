using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ScriptPlatform.Grpc;

public static class GrpcKestrelExtensions
{
    /// <summary>
    /// Makes every Kestrel endpoint HTTP/2 only, which is what h2c (cleartext HTTP/2 with prior
    /// knowledge) needs. Listens on <paramref name="url"/> when given, otherwise on the configured
    /// URLs (<c>Urls</c> setting, <c>ASPNETCORE_URLS</c>, <c>--urls</c>).
    /// </summary>
    public static IWebHostBuilder ConfigureGrpcKestrel(this IWebHostBuilder webHost, string? url = null)
    {
        webHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2);

            // gRPC clients ignore it; leaving it out saves bytes on every response and hides the stack.
            kestrel.AddServerHeader = false;
        });
        return url is null ? webHost : webHost.UseUrls(url);
    }

    /// <summary>HTTP/2 on the loopback interface at <paramref name="port"/> (0 picks a free port).</summary>
    public static IWebHostBuilder ConfigureGrpcKestrel(this IWebHostBuilder webHost, int port) =>
        webHost.ConfigureGrpcKestrel($"http://127.0.0.1:{port}");
}
