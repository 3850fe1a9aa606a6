using System.Collections.Concurrent;

namespace ScriptPlatform.ServiceDefaults.Tests.Infrastructure;

/// <summary>What the server saw, keyed by the request's message, so tests can assert server-side effects.</summary>
public sealed class CallRecorder
{
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new();

    public void Record(string key) => _calls.AddOrUpdate(key, 1, (_, n) => n + 1);

    public int Calls(string key) => _calls.GetValueOrDefault(key);

    public void Cancelled(string key) => Completion(key).TrySetResult();

    /// <summary>Completes when the server handler for this key saw its call's CancellationToken cancelled.</summary>
    public Task CancellationOf(string key) => Completion(key).Task;

    private TaskCompletionSource Completion(string key) =>
        _cancelled.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
