using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Messaging;

/// <summary>The registry and a stand-in Executor on a real RabbitMQ node.</summary>
public sealed class StatsConsumerTests(PostgresFixture postgres, RabbitMqFixture rabbitMq)
{
    private static readonly ConcurrentQueue<ScriptPublished> Published = new();

    public sealed class PublishedRecorder : IConsumer<ScriptPublished>
    {
        public Task Consume(ConsumeContext<ScriptPublished> context)
        {
            Published.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Run_completed_events_update_stats_once_per_execution_even_when_redelivered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await RegistryServer.StartAsync(postgres, rabbitMq: rabbitMq.ConnectionString);
        var executor = Host.CreateApplicationBuilder();
        executor.Logging.ClearProviders();
        var queue = "registry-tests-published-" + Guid.NewGuid().ToString("N");
        executor.Services.AddMassTransit(bus => bus.UsingRabbitMq((context, cfg) =>
        {
            cfg.Host(new Uri(rabbitMq.ConnectionString));
            cfg.ReceiveEndpoint(queue, e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.Consumer<PublishedRecorder>();
            });
        }));
        using var host = executor.Build();
        await host.StartAsync(ct);
        try
        {
            await server.Client.PublishAsync(Scripts.Publish("math_addition_001", "1.0.0"), server.Alice);
            var bus = host.Services.GetRequiredService<IBus>();
            var first = Guid.NewGuid();
            ScriptRunCompleted Run(Guid id, ExecutionStatus status, int ms) =>
                new(id, null, "math_addition_001", "1.0.0", "hash", status, TimeSpan.FromMilliseconds(ms), 0.25, 10, "tester", DateTimeOffset.UtcNow);

            await bus.Publish(Run(first, ExecutionStatus.Success, 100), ct);
            await bus.Publish(Run(first, ExecutionStatus.Success, 100), ct); // a redelivery of the same execution
            await bus.Publish(Run(Guid.NewGuid(), ExecutionStatus.Error, 300), ct);
            await bus.Publish(new ScriptRunCompleted(Guid.NewGuid(), null, "inline", null, "h", ExecutionStatus.Success, TimeSpan.FromSeconds(1), 0, null, null, DateTimeOffset.UtcNow), ct);

            GetStatsResponse stats;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            do
            {
                await Task.Delay(100, ct);
                stats = await server.Client.GetStatsAsync(new GetStatsRequest { Name = "math_addition_001" });
            }
            while (stats.Stats.UsageCount < 2 && DateTime.UtcNow < deadline);

            await Task.Delay(500, ct);
            stats = await server.Client.GetStatsAsync(new GetStatsRequest { Name = "math_addition_001" });
            Assert.Equal(2, stats.Stats.UsageCount);
            Assert.Equal(1, stats.Stats.SuccessCount);
            Assert.Equal(0.5, stats.Stats.SuccessRate);
            Assert.Equal(TimeSpan.FromMilliseconds(200), stats.Stats.AvgDuration.ToTimeSpan());
            Assert.Equal(0.5, stats.Stats.TotalCostUsd, 6);
            Assert.Equal(20, stats.Stats.TotalRowsProcessed);
            Assert.NotNull(stats.Stats.LastUsedAt);

            var until = DateTime.UtcNow.AddSeconds(10);
            while (!Published.Any(p => p.ScriptName == "math_addition_001" && p.Owner == "alice") && DateTime.UtcNow < until)
            {
                await Task.Delay(50, ct);
            }

            var published = Assert.Single(Published, p => p.ScriptName == "math_addition_001" && p.Owner == "alice");
            Assert.True(published.IsNewScript);
            Assert.Equal("1.0.0", published.Version);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
