using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;

namespace ScriptPlatform.Bench.Load;

/// <summary>A call answered OK at the gRPC level but with something other than what was asked for.</summary>
public sealed class UnexpectedAnswerException(string message) : Exception(message);

/// <summary>
/// Every call's outcome per operation: the latency of each success, the errors by status, and the
/// intended limits apart (RESOURCE_EXHAUSTED: the platform's only refusals by design are size limits,
/// so under this load none is expected, but one would not be a failure).
/// </summary>
public sealed class Recorder
{
    private readonly ConcurrentDictionary<string, OperationStats> _operations = new(StringComparer.Ordinal);

    public IEnumerable<OperationStats> Operations => _operations.Values.OrderBy(o => o.Order);

    /// <summary>An operation's calls, or null when it made none.</summary>
    public OperationStats? Find(string operation) => _operations.GetValueOrDefault(operation);

    /// <summary>Times one call; true when it succeeded (a failed step ends its sequence, e.g. no Confirm after a failed card).</summary>
    public async Task<bool> TimeAsync(string operation, Func<Task> call)
    {
        var stats = _operations.GetOrAdd(operation, name => new OperationStats(name, _operations.Count));
        var started = Stopwatch.GetTimestamp();
        try
        {
            await call();
            stats.Succeeded(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            stats.Limited();
            return false;
        }
        catch (RpcException e)
        {
            stats.Failed(e.StatusCode.ToString(), e.Status.Detail);
            return false;
        }
        catch (UnexpectedAnswerException e)
        {
            stats.Failed("UNEXPECTED_ANSWER", e.Message);
            return false;
        }
    }
}

/// <summary>One operation's calls.</summary>
public sealed class OperationStats(string name, int order)
{
    private readonly Lock _lock = new();
    private readonly List<double> _latencies = [];
    private readonly Dictionary<string, int> _errors = new(StringComparer.Ordinal);
    private readonly List<string> _examples = [];
    private int _limited;

    public string Name => name;

    public int Order => order;

    public int Count { get { lock (_lock) { return _latencies.Count + _limited + _errors.Values.Sum(); } } }

    public int Errors { get { lock (_lock) { return _errors.Values.Sum(); } } }

    public int LimitedCount { get { lock (_lock) { return _limited; } } }

    /// <summary>Errors by status, e.g. "UNAVAILABLE: 3".</summary>
    public string ErrorsByStatus { get { lock (_lock) { return string.Join(", ", _errors.Select(e => $"{e.Key}: {e.Value}")); } } }

    /// <summary>The first few error details, to find the cause.</summary>
    public IReadOnlyList<string> Examples { get { lock (_lock) { return [.. _examples]; } } }

    /// <summary>The latency of successful calls at a percentile (nearest rank), NaN without any.</summary>
    public double Percentile(int percentile)
    {
        lock (_lock)
        {
            if (_latencies.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _latencies.Order().ToList();
            return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
        }
    }

    public void Succeeded(double milliseconds)
    {
        lock (_lock)
        {
            _latencies.Add(milliseconds);
        }
    }

    public void Limited()
    {
        lock (_lock)
        {
            _limited++;
        }
    }

    public void Failed(string status, string detail)
    {
        lock (_lock)
        {
            _errors[status] = _errors.GetValueOrDefault(status) + 1;
            if (_examples.Count < 5)
            {
                _examples.Add($"{status}: {detail}");
            }
        }
    }
}
