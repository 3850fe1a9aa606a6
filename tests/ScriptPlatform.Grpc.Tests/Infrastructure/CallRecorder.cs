using System.Collections.Concurrent;

namespace ScriptPlatform.Grpc.Tests.Infrastructure;

/// <summary>What the server saw, keyed by the request's message, so tests can assert server-side effects.</summary>
public sealed class CallRecorder
{
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new();
    private readonly ConcurrentDictionary<string, int> _failuresLeft = new();

    public void Record(string key, ServerCallContext context) => _calls.AddOrUpdate(key, 1, (_, n) => n + 1);

    public int Calls(string key) => _calls.GetValueOrDefault(key);

    /// <summary>Makes requests with this key fail only the first <paramref name="times"/> times.</summary>
    public void FailTimes(string key, int times) => _failuresLeft[key] = times;

    public bool ShouldFail(string key)
    {
        if (!_failuresLeft.ContainsKey(key))
        {
            return true;
        }

        return _failuresLeft.AddOrUpdate(key, 0, (_, n) => n - 1) >= 0;
    }

    public void Cancelled(string key) => Completion(key).TrySetResult();

    /// <summary>Completes when the server handler for this key observed cancellation.</summary>
    public Task CancellationOf(string key) => Completion(key).Task;

    private TaskCompletionSource Completion(string key) =>
        _cancelled.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
