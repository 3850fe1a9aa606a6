using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScriptPlatform.Testing;

namespace ScriptPlatform.IntegrationTests.Foundation;

/// <summary>A message type for the round trip; MassTransit needs it in a namespace.</summary>
public sealed record FoundationPing(Guid Id, string Text);

public sealed class FoundationPingConsumer : IConsumer<FoundationPing>
{
    public static readonly ConcurrentDictionary<Guid, TaskCompletionSource<FoundationPing>> Received = new();

    public Task Consume(ConsumeContext<FoundationPing> context)
    {
        if (Received.TryGetValue(context.Message.Id, out var waiter))
        {
            waiter.TrySetResult(context.Message);
        }
        return Task.CompletedTask;
    }
}

public sealed class MessagingTests(RabbitMqFixture rabbitMq)
{
    [Fact]
    public async Task A_message_published_through_MassTransit_is_consumed_over_real_RabbitMQ()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<FoundationPingConsumer>();
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(rabbitMq.ConnectionString));
                cfg.ConfigureEndpoints(context);
            });
        });
        // Publish only once the consumer's queue is bound, or the broker drops the message.
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(o => o.WaitUntilStarted = true);
        using var host = builder.Build();
        await host.StartAsync(ct);

        var id = Guid.NewGuid();
        var waiter = FoundationPingConsumer.Received[id] = new TaskCompletionSource<FoundationPing>(TaskCreationOptions.RunContinuationsAsynchronously);
        await host.Services.GetRequiredService<IBus>().Publish(new FoundationPing(id, "over the wire"), ct);

        var received = await waiter.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal("over the wire", received.Text);
        await host.StopAsync(ct);
    }
}
