using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Faults.Tests.Infrastructure;

/// <summary>
/// A platform service run from its build output as its own OS process (as the AppHost runs it), optionally inside a
/// network namespace (<c>ip netns exec</c>, which execs: the process id is the service's own), so that a kill is real.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    // The services speak h2c only (HTTP/2 with prior knowledge), /health included.
    private static readonly HttpClient Health = new()
    {
        Timeout = TimeSpan.FromSeconds(10), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log;

    private ServiceProcess(string name, Process process, ConcurrentQueue<string> log, Uri address) =>
        (Name, _process, _log, Address) = (name, process, log, address);

    public string Name { get; }

    /// <summary>Where it serves gRPC and <c>/health</c>.</summary>
    public Uri Address { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines it logged, for failure messages.</summary>
    public string Log => string.Join('\n', _log.TakeLast(60));

    /// <summary>The build output of <c>src/{project}</c> (Debug or Release, like this test assembly).</summary>
    public static string Dll(string project)
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)))!;
        var dll = Path.Combine(RepositoryRoot.Path, "src", project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build {project} first", dll);
    }

    /// <summary>
    /// Starts <paramref name="project"/> listening on <paramref name="host"/>:<paramref name="port"/> with the given
    /// configuration (<c>Section:Key</c> names) and waits until its <c>/health</c> answers healthy.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(
        string name, string project, IReadOnlyDictionary<string, string> settings, int port, string host = "127.0.0.1", string? netns = null,
        string[]? arguments = null)
    {
        var start = new ProcessStartInfo(netns is null ? "dotnet" : "ip")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        if (netns is not null)
        {
            foreach (var arg in new[] { "netns", "exec", netns, "dotnet" })
            {
                start.ArgumentList.Add(arg);
            }
        }

        start.ArgumentList.Add(Dll(project));
        foreach (var arg in arguments ?? [])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://{host}:{port}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start)!;
        var log = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => Keep(log, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var service = new ServiceProcess(name, process, log, new Uri($"http://{host}:{port}"));
        try
        {
            await service.WaitHealthyAsync(TimeSpan.FromMinutes(3));
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the service's dll as a one-off command (say <c>create-admin-key</c>) and returns its standard output.</summary>
    public static async Task<string> RunCommandAsync(string project, IReadOnlyDictionary<string, string> settings, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Dll(project), .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"{project} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}");
    }

    public static int FreePort() => LocalResources.FreePort.Next();

    /// <summary>SIGKILL: no shutdown, no goodbye to the broker or the database.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(30_000);
        }
    }

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) during start-up:\n{Log}");
            }

            if (await HealthAsync() == HttpStatusCode.OK)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not become healthy within {timeout}:\n{Log}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>What its readiness endpoint <c>/health</c> answers (200 ready, 503 not), or null when it does not answer.</summary>
    public async Task<HttpStatusCode?> HealthAsync()
    {
        try
        {
            using var response = await Health.GetAsync(new Uri(Address, "/health"));
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // Not listening (yet, or any more).
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
            }
        }

        _process.Dispose();
    }

    private static void Keep(ConcurrentQueue<string> log, string? line)
    {
        if (line is null)
        {
            return;
        }

        log.Enqueue(line);
        while (log.Count > 400 && log.TryDequeue(out _))
        {
        }
    }
}
