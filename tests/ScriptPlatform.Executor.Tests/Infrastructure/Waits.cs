using Grpc.Core;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;

namespace ScriptPlatform.Executor.Tests.Infrastructure;

public static class Waits
{
    /// <summary>Polls until <paramref name="done"/> holds for the value, or fails after the timeout.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, int timeoutMs = 30_000, string? what = null)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what ?? "a condition"}; last value: {value}");
            }

            await Task.Delay(50);
        }
    }

    public static Task<Batch> BatchFinishedAsync(this ExecutorService.ExecutorServiceClient client, string batchId, int timeoutMs = 60_000) =>
        UntilAsync(async () => (await client.GetBatchAsync(new GetBatchRequest { BatchId = batchId })).Batch, b => b.State != BatchState.Running, timeoutMs, $"batch {batchId}");

    public static Task<Execution> ExecutionInAsync(this ExecutorService.ExecutorServiceClient client, string id, Func<Execution, bool> done, int timeoutMs = 30_000) =>
        UntilAsync(
            async () =>
            {
                try
                {
                    return (await client.GetExecutionAsync(new GetExecutionRequest { Id = id })).Execution;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                    return new Execution(); // not written yet
                }
            },
            done, timeoutMs, $"execution {id}");

    public static int Count(this Batch batch, ExecutionStatus status) => batch.Counts.FirstOrDefault(c => c.Status == status)?.Count ?? 0;
}
