using ScriptPlatform.Testing;

namespace ScriptPlatform.IntegrationTests.Foundation;

/// <summary>
/// Runs the real AppHost as a separate process and checks that neither a clean stop nor a hard kill
/// leaves a server behind. Every process it starts inherits a unique SCRIPTPLATFORM_LOCAL_DIR, which is
/// how the leftovers are found.
/// </summary>
public sealed class AppHostTests(PostgresFixture postgres, RabbitMqFixture rabbitMq)
{
    [Fact]
    public async Task AppHost_stopped_with_SIGTERM_leaves_no_process_behind()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await AppHostRun.StartAsync(ct);
        var running = run.ProcessesLeft();
        Assert.Contains(running, p => p.Contains("bin/postgres", StringComparison.Ordinal));
        Assert.Contains(running, p => p.Contains("beam.smp", StringComparison.Ordinal));

        await run.SignalAsync("TERM");
        await run.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.Contains("nothing left running", run.Output);
        Assert.Empty(run.ProcessesLeft());
    }

    [Fact]
    public async Task AppHost_starts_the_built_services_healthy_and_stops_them_all_on_SIGTERM()
    {
        var ct = TestContext.Current.CancellationToken;
        var ports = new Dictionary<string, int> { ["registry"] = AppHostRun.FreePort(), ["executor"] = AppHostRun.FreePort() };
        var environment = new Dictionary<string, string> { ["AppHost__InfrastructureOnly"] = "false" };
        foreach (var (service, port) in ports)
        {
            environment[$"AppHost__Services__{service}__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        // Services not under test here stay off so that no default port is taken.
        environment["AppHost__Services__intent__Enabled"] = "false";
        environment["AppHost__Services__generation__Enabled"] = "false";
        await using var run = await AppHostRun.StartAsync(ct, environment);

        using var http = new HttpClient
        {
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        foreach (var (service, port) in ports)
        {
            Assert.Contains($"{service,-10} http://127.0.0.1:{port}", run.Output);
            using var health = await http.GetAsync($"http://127.0.0.1:{port}/health", ct);
            Assert.True(health.IsSuccessStatusCode, $"{service} /health answered {(int)health.StatusCode}");
        }

        await run.SignalAsync("TERM");
        await run.WaitForExitAsync(TimeSpan.FromSeconds(90), ct);
        Assert.Empty(run.ProcessesLeft());
    }

    [Fact]
    public async Task AppHost_killed_outright_has_its_servers_reaped_by_the_watchdog()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await AppHostRun.StartAsync(ct);

        await run.SignalAsync("KILL");
        await run.WaitForExitAsync(TimeSpan.FromSeconds(10), ct);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (run.ProcessesLeft() is { Count: > 0 } left)
        {
            Assert.True(DateTime.UtcNow < deadline, "Still running after the AppHost was killed: " + string.Join(", ", left));
            await Task.Delay(250, ct);
        }
    }

    [Fact]
    public async Task AppHost_given_connection_strings_uses_those_servers_and_provisions_none()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await AppHostRun.StartAsync(ct, new Dictionary<string, string>
        {
            ["ConnectionStrings__postgres"] = postgres.ConnectionString,
            ["ConnectionStrings__rabbitmq"] = rabbitMq.ConnectionString,
        });

        Assert.Contains(postgres.ConnectionString, run.Output);
        Assert.Contains(rabbitMq.ConnectionString, run.Output);
        // Nothing it started carries its local folder: no server was provisioned.
        Assert.DoesNotContain(run.ProcessesLeft(), p => !p.Contains("ScriptPlatform.AppHost.dll", StringComparison.Ordinal));
    }
}
