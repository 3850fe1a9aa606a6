using System.Diagnostics;
using System.Net;

namespace ScriptPlatform.AppHost;

/// <summary>One running service: its process, prefixed output, health wait and graceful stop.</summary>
internal sealed class ServiceProcess(ServiceDefinition definition, int port, Process process) : IAsyncDisposable
{
    private static readonly HttpClient HealthClient = new(new SocketsHttpHandler())
    {
        // Services listen h2c only (gRPC), so health is asked over HTTP/2 with prior knowledge.
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(3),
    };

    public ServiceDefinition Definition { get; } = definition;

    public int Port { get; } = port;

    public string Address => $"http://127.0.0.1:{Port}";

    public static ServiceProcess Start(ServiceDefinition definition, int port, string assemblyPath, IReadOnlyDictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath),
        };
        startInfo.ArgumentList.Add(assemblyPath);
        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {definition.Name}.");
        process.OutputDataReceived += (_, e) => Print(definition.Name, e.Data);
        process.ErrorDataReceived += (_, e) => Print(definition.Name, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(definition, port, process);
    }

    /// <summary>Polls <c>/health</c> until the service is ready, it exits, or time runs out.</summary>
    public async Task WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Definition.Name} exited with code {process.ExitCode} before it was healthy.");
            }
            try
            {
                using var response = await HealthClient.GetAsync($"{Address}/health", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "health request timed out";
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new TimeoutException($"{Definition.Name} was not healthy within {timeout.TotalSeconds:0} s (last: {last}).");
    }

    /// <summary>SIGTERM for a graceful stop; the whole tree is killed if it lingers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            using (var term = Process.Start("/bin/kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        process.Dispose();
    }

    private static void Print(string name, string? line)
    {
        if (line is not null)
        {
            Console.Out.WriteLine($"[{name}] {line}");
        }
    }
}
