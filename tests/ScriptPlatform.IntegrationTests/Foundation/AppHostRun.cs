using System.Diagnostics;
using System.Text;

namespace ScriptPlatform.IntegrationTests.Foundation;

/// <summary>
/// The real AppHost run as a separate process. Every process it starts inherits a unique
/// SCRIPTPLATFORM_LOCAL_DIR, which is how leftovers are found.
/// </summary>
internal sealed class AppHostRun : IAsyncDisposable
{
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _localDir;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppHostRun(Process process, string localDir)
    {
        _process = process;
        _localDir = localDir;
    }

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public static async Task<AppHostRun> StartAsync(CancellationToken ct, IReadOnlyDictionary<string, string>? environment = null)
    {
        var localDir = Directory.CreateTempSubdirectory("sp-apphost-test-").FullName;
        var startInfo = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(BuiltAssembly("AppHost", "ScriptPlatform.AppHost"));
        startInfo.Environment["SCRIPTPLATFORM_LOCAL_DIR"] = localDir;
        startInfo.Environment["AppHost__PostgresDataDirectory"] = Path.Combine(localDir, "pgdata");
        // Servers only: the services have their own tests, and may not be built in this configuration.
        startInfo.Environment["AppHost__InfrastructureOnly"] = "true";
        startInfo.Environment.Remove("ConnectionStrings__postgres");
        startInfo.Environment.Remove("ConnectionStrings__rabbitmq");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        var run = new AppHostRun(Process.Start(startInfo)!, localDir);
        run._process.OutputDataReceived += (_, e) => run.Append(e.Data);
        run._process.ErrorDataReceived += (_, e) => run.Append(e.Data);
        run._process.BeginOutputReadLine();
        run._process.BeginErrorReadLine();
        try
        {
            await run._ready.Task.WaitAsync(TimeSpan.FromSeconds(90), ct);
        }
        catch (TimeoutException)
        {
            await run.DisposeAsync();
            Assert.Fail("The AppHost did not come up:\n" + run.Output);
        }
        return run;
    }

    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("/bin/kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public async Task WaitForExitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await _process.WaitForExitAsync(ct).WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The AppHost did not exit within {timeout.TotalSeconds} s:\n{Output}");
        }
    }

    /// <summary>Live (non-zombie) processes whose environment carries this run's local folder.</summary>
    public List<string> ProcessesLeft()
    {
        var marker = Encoding.UTF8.GetBytes($"SCRIPTPLATFORM_LOCAL_DIR={_localDir}\0");
        var left = new List<string>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "stat")).Contains(") Z ", StringComparison.Ordinal))
                {
                    continue;
                }
                if (File.ReadAllBytes(Path.Combine(dir, "environ")).AsSpan().IndexOf(marker) >= 0)
                {
                    left.Add($"{pid} {File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim()}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }
        return left;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await SignalAsync("TERM");
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_localDir, recursive: true);
        }
        catch (IOException)
        {
            // A watchdog may still be removing its own folder.
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (line.Contains("ScriptPlatform is up.", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    /// <summary>A project's built assembly, from the same configuration folder (Debug/Release) as this test assembly.</summary>
    public static string BuiltAssembly(string projectFolder, string assemblyName)
    {
        var binaries = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var configuration = binaries.Parent!.Name;
        var root = binaries;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ScriptPlatform.sln")))
        {
            root = root.Parent;
        }
        var path = Path.Combine(root!.FullName, projectFolder, "bin", configuration, "net10.0", assemblyName + ".dll");
        Assert.True(File.Exists(path), $"{assemblyName} is not built at {path}; run ./build.sh build.");
        return path;
    }
}
