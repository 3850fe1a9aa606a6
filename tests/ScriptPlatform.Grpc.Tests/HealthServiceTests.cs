using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace ScriptPlatform.Grpc.Tests;

public sealed class HealthServiceTests
{
    [Fact]
    public async Task Health_check_reports_serving_for_the_server_and_every_mapped_service()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var health = new HealthClient(server.Channel);

        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync("")).Status);
        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync("scriptplatform.grpc.test.v1.TestService")).Status);
        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync("grpc.health.v1.Health")).Status);
    }

    [Fact]
    public async Task Health_check_of_an_unknown_service_gets_not_found()
    {
        await using var server = await GrpcTestServer.StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => new HealthClient(server.Channel).CheckAsync("no.such.Service"));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task Health_check_reflects_a_status_set_by_the_application()
    {
        await using var server = await GrpcTestServer.StartAsync();
        server.Services.GetRequiredService<GrpcHealthStatusService>().SetStatus("", ServingStatus.NotServing);

        var response = await new HealthClient(server.Channel).CheckAsync("");

        Assert.Equal(ServingStatus.NotServing, response.Status);
    }

    [Fact]
    public async Task Health_watch_sends_the_current_status_then_every_change()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var statuses = server.Services.GetRequiredService<GrpcHealthStatusService>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        await using var watch = new HealthClient(server.Channel).WatchAsync("db", cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(ServingStatus.ServiceUnknown, watch.Current.Status);

        statuses.SetStatus("db", ServingStatus.Serving);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(ServingStatus.Serving, watch.Current.Status);

        statuses.SetStatus("db", ServingStatus.NotServing);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(ServingStatus.NotServing, watch.Current.Status);
    }

    [Fact]
    public async Task Unhealthy_aspnet_health_check_makes_the_server_not_serving()
    {
        await using var server = await GrpcTestServer.StartAsync(services: s =>
        {
            s.AddHealthChecks().AddCheck("database", () => HealthCheckResult.Unhealthy("down"));
            s.Configure<HealthCheckPublisherOptions>(o => o.Delay = TimeSpan.Zero);
        });
        var health = new HealthClient(server.Channel);

        var status = ServingStatus.Serving;
        for (var i = 0; i < 50 && status == ServingStatus.Serving; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            status = (await health.CheckAsync("")).Status;
        }

        Assert.Equal(ServingStatus.NotServing, status);
    }
}
