using System.ClientModel.Primitives;
using System.Globalization;

namespace ScriptPlatform.Generation.Models;

/// <summary>
/// The one retry mechanism of model calls: the OpenAI SDK's own <see cref="ClientRetryPolicy"/> (it retries 408, 429,
/// 5xx and failed or timed-out attempts), with a configurable exponential backoff that honours <c>Retry-After</c>.
/// The SDK's client is not built from the HttpClient factory, so no second resilience layer retries underneath.
/// </summary>
internal sealed class BackoffRetryPolicy(int maxRetries, TimeSpan initialDelay) : ClientRetryPolicy(maxRetries)
{
    /// <summary>The longest wait a server's Retry-After can impose before the call gives up waiting.</summary>
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    protected override TimeSpan GetNextDelay(PipelineMessage message, int tryCount)
    {
        if (message.Response?.Headers.TryGetValue("Retry-After", out var retryAfter) == true
            && double.TryParse(retryAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(Math.Min(seconds, MaxDelay.TotalSeconds));
        }

        // Exponential with ±20% jitter, so that callers turned away together do not come back together.
        var delay = initialDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, tryCount - 1)) * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxDelay.TotalMilliseconds));
    }
}
