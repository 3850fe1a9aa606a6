using System.Diagnostics;

namespace ScriptPlatform.Executor.Tests.Infrastructure;

/// <summary>The real Executor binary started as a separate worker-only process (as on another machine).</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log;

    private WorkerProcess(Process process, System.Collections.Concurrent.ConcurrentQueue<string> log) => (_process, _log) = (process, log);

    /// <summary>What the process logged (warnings and errors), for failure messages.</summary>
    public string Log => string.Join(Environment.NewLine, _log);

    public int Id => _process.Id;

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the binary; <paramref name="settings"/> are extra configuration keys (<c>Section:Key</c>).</summary>
    public static WorkerProcess Start(
        Platform platform, string database, string queuePrefix, string workerId, string role = "Worker", int port = 0, int slots = 1,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ExecutorDll());
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__postgres"] = database;
        start.Environment["ConnectionStrings__rabbitmq"] = platform.RabbitMq;
        start.Environment["ScriptPlatform__Executor__Role"] = role;
        start.Environment["ScriptPlatform__Executor__WorkerId"] = workerId;
        start.Environment["ScriptPlatform__Executor__QueuePrefix"] = queuePrefix;
        start.Environment["ScriptPlatform__Executor__AllowAnonymousRuns"] = "true"; // as ExecutorHost: these tests are about running, not keys
        start.Environment["ScriptPlatform__Sandbox__Slots"] = slots.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment[ScriptPlatform.Executor.Extensions.ExecutorExtensions.RegistryAddressKey.Replace(":", "__", StringComparison.Ordinal)] = platform.Registry.Address;
        start.Environment["ScriptPlatform__Sandbox__BaseUid"] = ExecutorHost.NextBaseUid().ToString(System.Globalization.CultureInfo.InvariantCulture);
        // A fixed folder: a SIGKILLed worker cannot remove a temporary one.
        start.Environment["ScriptPlatform__Sandbox__WorkDirectory"] = Path.Combine(Path.GetTempPath(), "scriptplatform-executor-tests");
        start.Environment["Logging__LogLevel__Default"] = Environment.GetEnvironmentVariable("EXECUTOR_TEST_WORKER_LOG_LEVEL") ?? "Warning";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new WorkerProcess(process, log);
    }

    /// <summary>SIGKILL, no goodbye: the broker sees the connection drop and requeues the unacknowledged job.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, as a deployment stops a worker: the host shuts down gracefully; waits until the process has exited.</summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the worker did not exit within {timeout} of SIGTERM; its log:\n{Log}");
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    // The service's own build output (the test project builds it as a reference; Debug or Release like this assembly).
    private static string ExecutorDll()
    {
        var here = AppContext.BaseDirectory;
        var configuration = Path.GetFileName(Path.GetDirectoryName(here.TrimEnd(Path.DirectorySeparatorChar)))!;
        var root = new DirectoryInfo(here);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ScriptPlatform.sln")))
        {
            root = root.Parent;
        }

        var dll = Path.Combine(root?.FullName ?? throw new InvalidOperationException("repository root not found"),
            "src", "ScriptPlatform.Executor", "bin", configuration, "net10.0", "ScriptPlatform.Executor.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("build the Executor first", dll);
    }
}
