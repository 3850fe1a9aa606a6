using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScriptPlatform.LocalResources;
using ScriptPlatform.ServiceDefaults;

namespace ScriptPlatform.IntegrationTests.Foundation;

public sealed class ReadinessTests
{
    [Fact]
    public async Task Readiness_turns_unhealthy_when_postgres_stops_and_healthy_again_after_it_restarts()
    {
        var ct = TestContext.Current.CancellationToken;
        // Its own server: this test stops it, which the shared one must never be.
        await using var postgres = await LocalPostgres.StartAsync(cancellationToken: ct);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["ConnectionStrings:postgres"] = postgres.ConnectionString;
        builder.AddServiceDefaults();
        // What every service registers: Aspire.Npgsql's data source with its readiness check.
        builder.AddNpgsqlDataSource("postgres");
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        await WaitForStatusAsync(http, Extensions.HealthPath, HttpStatusCode.OK, ct);

        await postgres.StopAsync(ct);
        var body = await WaitForStatusAsync(http, Extensions.HealthPath, HttpStatusCode.ServiceUnavailable, ct);
        Assert.Contains("postgres", body, StringComparison.OrdinalIgnoreCase);
        // Liveness does not depend on Postgres: the process itself is fine.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(Extensions.AlivePath, ct)).StatusCode);

        await postgres.StartAgainAsync(ct);
        await WaitForStatusAsync(http, Extensions.HealthPath, HttpStatusCode.OK, ct);
    }

    private static async Task<string> WaitForStatusAsync(HttpClient http, string path, HttpStatusCode expected, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var response = await http.GetAsync(path, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == expected)
            {
                return body;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{path} stayed {(int)response.StatusCode} ({body}); expected {(int)expected}.");
            await Task.Delay(200, ct);
        }
    }
}
