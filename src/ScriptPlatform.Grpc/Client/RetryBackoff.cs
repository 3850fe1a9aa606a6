namespace ScriptPlatform.Grpc.Client;

/// <summary>Exponential backoff with jitter between retries, bounded by the call's deadline.</summary>
internal static class RetryBackoff
{
    /// <summary>Waits before retry <paramref name="attempt"/>; false when the deadline would pass first.</summary>
    public static async Task<bool> DelayAsync(TimeSpan initial, int attempt, CallOptions options)
    {
        var delay = TimeSpan.FromTicks((long)(initial.Ticks * Math.Pow(2, attempt) * (0.8 + (Random.Shared.NextDouble() * 0.4))));
        if (options.Deadline is { } deadline && DateTime.UtcNow + delay >= deadline.ToUniversalTime())
        {
            return false;
        }

        try
        {
            await Task.Delay(delay, options.CancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException ex)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."), new Metadata(), ex);
        }
    }
}
