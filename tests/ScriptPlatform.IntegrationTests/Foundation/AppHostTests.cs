using System.Diagnostics;
using System.Text;
using ScriptPlatform.Testing;

namespace ScriptPlatform.IntegrationTests.Foundation;

/// <summary>
/// Runs the real AppHost as a separate process and checks that neither a clean stop nor a hard kill
/// leaves a server behind. Every process it starts inherits a unique SCRIPTPLATFORM_LOCAL_DIR, which is
/// how the leftovers are found.
/// </summary>
public sealed class AppHostTests(PostgresFixture postgres, RabbitMqFixture rabbitMq)
{
    [Fact]
    public async Task AppHost_stopped_with_SIGTERM_leaves_no_process_behind()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await AppHostRun.StartAsync(ct);
        var running = run.ProcessesLeft();
        Assert.Contains(running, p => p.Contains("bin/postgres", StringComparison.Ordinal));
        Assert.Contains(running, p => p.Contains("beam.smp", StringComparison.Ordinal));

        await run.SignalAsync("TERM");
        await run.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.Contains("nothing left running", run.Output);
        Assert.Empty(run.ProcessesLeft());
    }

    [Fact]
    public async Task AppHost_starts_the_built_services_healthy_and_stops_them_all_on_SIGTERM()
    {
        var ct = TestContext.Current.CancellationToken;
        var ports = new Dictionary<string, int> { ["registry"] = FreePort(), ["executor"] = FreePort() };
        var environment = new Dictionary<string, string> { ["AppHost__InfrastructureOnly"] = "false" };
        foreach (var (service, port) in ports)
        {
            environment[$"AppHost__Services__{service}__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        // Services not under test here stay off so that no default port is taken.
        environment["AppHost__Services__intent__Enabled"] = "false";
        environment["AppHost__Services__generation__Enabled"] = "false";
        await using var run = await AppHostRun.StartAsync(ct, environment);

        using var http = new HttpClient
        {
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        foreach (var (service, port) in ports)
        {
            Assert.Contains($"{service,-10} http://127.0.0.1:{port}", run.Output);
            using var health = await http.GetAsync($"http://127.0.0.1:{port}/health", ct);
            Assert.True(health.IsSuccessStatusCode, $"{service} /health answered {(int)health.StatusCode}");
        }

        await run.SignalAsync("TERM");
        await run.WaitForExitAsync(TimeSpan.FromSeconds(90), ct);
        Assert.Empty(run.ProcessesLeft());
    }

    [Fact]
    public async Task AppHost_killed_outright_has_its_servers_reaped_by_the_watchdog()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await AppHostRun.StartAsync(ct);

        await run.SignalAsync("KILL");
        await run.WaitForExitAsync(TimeSpan.FromSeconds(10), ct);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (run.ProcessesLeft() is { Count: > 0 } left)
        {
            Assert.True(DateTime.UtcNow < deadline, "Still running after the AppHost was killed: " + string.Join(", ", left));
            await Task.Delay(250, ct);
        }
    }

    [Fact]
    public async Task AppHost_given_connection_strings_uses_those_servers_and_provisions_none()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var run = await AppHostRun.StartAsync(ct, new Dictionary<string, string>
        {
            ["ConnectionStrings__postgres"] = postgres.ConnectionString,
            ["ConnectionStrings__rabbitmq"] = rabbitMq.ConnectionString,
        });

        Assert.Contains(postgres.ConnectionString, run.Output);
        Assert.Contains(rabbitMq.ConnectionString, run.Output);
        // Nothing it started carries its local folder: no server was provisioned.
        Assert.DoesNotContain(run.ProcessesLeft(), p => !p.Contains("ScriptPlatform.AppHost.dll", StringComparison.Ordinal));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class AppHostRun : IAsyncDisposable
    {
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
            startInfo.ArgumentList.Add(AppHostAssembly());
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

        private static string AppHostAssembly()
        {
            // Same configuration folder (Debug/Release) as this test assembly.
            var binaries = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
            var configuration = binaries.Parent!.Name;
            var root = binaries;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "ScriptPlatform.sln")))
            {
                root = root.Parent;
            }
            var path = Path.Combine(root!.FullName, "AppHost", "bin", configuration, "net10.0", "ScriptPlatform.AppHost.dll");
            Assert.True(File.Exists(path), $"The AppHost is not built at {path}; run ./build.sh build.");
            return path;
        }
    }
}
