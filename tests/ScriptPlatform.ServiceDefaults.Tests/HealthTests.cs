using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace ScriptPlatform.ServiceDefaults.Tests;

/// <summary>grpc.health.v1.Health follows the ASP.NET Core health checks (Grpc.AspNetCore.HealthChecks).</summary>
public sealed class HealthTests
{
    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(30);

    [Fact]
    public async Task Check_of_the_server_is_serving_while_the_health_checks_are_healthy()
    {
        await using var server = await StartAsync(new FlippableCheck());
        var health = new Health.HealthClient(server.Channel);

        var response = await health.CheckAsync(new HealthCheckRequest { Service = "" }, deadline: Deadline);

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_of_the_server_is_not_serving_when_a_health_check_is_unhealthy()
    {
        var check = new FlippableCheck();
        await using var server = await StartAsync(check);
        var health = new Health.HealthClient(server.Channel);

        check.Healthy = false;
        var unhealthy = await health.CheckAsync(new HealthCheckRequest { Service = "" }, deadline: Deadline);
        check.Healthy = true;
        var healthyAgain = await health.CheckAsync(new HealthCheckRequest { Service = "" }, deadline: Deadline);

        Assert.Equal(ServingStatus.NotServing, unhealthy.Status);
        Assert.Equal(ServingStatus.Serving, healthyAgain.Status);
    }

    [Fact]
    public async Task Check_of_a_server_without_any_health_check_is_unknown()
    {
        // Grpc.AspNetCore.HealthChecks answers SERVING only from at least one healthy check: every
        // service gets AddServiceDefaults' "self" check (or its dependencies' checks) for that.
        await using var server = await GrpcTestServer.StartAsync(selfCheck: false);

        var response = await new Health.HealthClient(server.Channel).CheckAsync(new HealthCheckRequest { Service = "" }, deadline: Deadline);

        Assert.Equal(ServingStatus.Unknown, response.Status);
    }

    [Fact]
    public async Task Check_of_a_service_name_without_a_mapping_is_not_found()
    {
        // Only "" (the whole server) is mapped: services are not registered by name.
        await using var server = await StartAsync(new FlippableCheck());

        var ex = await Assert.ThrowsAsync<RpcException>(() => new Health.HealthClient(server.Channel)
            .CheckAsync(new HealthCheckRequest { Service = GrpcTestServer.ServiceName }, deadline: Deadline).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task Watch_streams_the_change_when_a_health_check_turns_unhealthy_and_back()
    {
        var check = new FlippableCheck();
        await using var server = await StartAsync(check);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        using var watch = new Health.HealthClient(server.Channel).Watch(new HealthCheckRequest { Service = "" }, cancellationToken: cts.Token);
        var stream = watch.ResponseStream;

        // Before the first publication the status may be SERVICE_UNKNOWN; the publisher then reports SERVING.
        await NextUntilAsync(stream, ServingStatus.Serving, cts.Token);
        check.Healthy = false;
        await NextUntilAsync(stream, ServingStatus.NotServing, cts.Token);
        check.Healthy = true;
        await NextUntilAsync(stream, ServingStatus.Serving, cts.Token);
    }

    /// <summary>Reads the stream until it reports <paramref name="expected"/> (a publication may repeat the previous status first).</summary>
    private static async Task NextUntilAsync(IAsyncStreamReader<HealthCheckResponse> stream, ServingStatus expected, CancellationToken cancellationToken)
    {
        while (await stream.MoveNext(cancellationToken))
        {
            if (stream.Current.Status == expected)
            {
                return;
            }
        }

        Assert.Fail($"The watch ended before {expected}.");
    }

    private static Task<GrpcTestServer> StartAsync(FlippableCheck check) =>
        GrpcTestServer.StartAsync(builder =>
        {
            builder.Services.AddHealthChecks().AddCheck("flippable", check);

            // Watch follows the health check publisher: publish at once and then every second
            // (the shortest period HealthCheckPublisherOptions allows) instead of after 5 s and every 30 s.
            builder.Services.Configure<HealthCheckPublisherOptions>(o =>
            {
                o.Delay = TimeSpan.Zero;
                o.Period = TimeSpan.FromSeconds(1);
            });
        });

    /// <summary>A health check the test turns healthy or unhealthy.</summary>
    private sealed class FlippableCheck : IHealthCheck
    {
        public volatile bool Healthy = true;

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(Healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("flipped by the test"));
    }
}
