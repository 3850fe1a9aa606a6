using ScriptPlatform.LocalResources.Internal;

namespace ScriptPlatform.LocalResources;

/// <summary>Options for a local PostgreSQL server.</summary>
public sealed record LocalPostgresOptions
{
    /// <summary>Keeps data here across runs (the AppHost); null means a throwaway folder.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Trades durability for speed (fsync off); right for tests, wrong for data you keep.</summary>
    public bool FastUnsafe { get; init; } = true;

    /// <summary>Folder with initdb and pg_ctl; found under /usr/lib/postgresql when null.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>
    /// Addresses to listen on besides loopback (say a veth in a test network); clients on those addresses' own
    /// subnets are trusted like local ones (<c>samenet</c>). Empty: loopback only.
    /// </summary>
    public IReadOnlyList<string> ExtraListenAddresses { get; init; } = [];
}

/// <summary>
/// A real PostgreSQL server from the installed binaries, on a free loopback port, owned by this process.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private readonly InstanceDirectory _instance;
    private readonly string _binDirectory;
    private readonly string _dataDirectory;
    private readonly bool _throwaway;
    private readonly string? _runAs;
    private readonly string _startOptions;

    private readonly IReadOnlyList<string> _extraListenAddresses;

    private LocalPostgres(InstanceDirectory instance, string binDirectory, string dataDirectory, bool throwaway, int port, bool fast, IReadOnlyList<string> extraListenAddresses)
    {
        _extraListenAddresses = extraListenAddresses;
        _instance = instance;
        _binDirectory = binDirectory;
        _dataDirectory = dataDirectory;
        _throwaway = throwaway;
        Port = port;
        // initdb refuses to run as root, so as root the server runs as the postgres user.
        _runAs = Environment.UserName == "root" ? ServiceUser : null;
        _startOptions = $"-p {port} -k {instance.Path} {string.Join(' ', ServerSettings(fast, extraListenAddresses))}";
    }

    public int Port { get; }

    /// <summary>The server settings every local Postgres runs with (the tests' and the AppHost's), as <c>-c</c> arguments.</summary>
    public static IReadOnlyList<string> ServerSettings(bool fastUnsafe, IReadOnlyList<string>? extraListenAddresses = null) =>
    [
        "-c", "listen_addresses=" + string.Join(',', ["127.0.0.1", .. extraListenAddresses ?? []]), "-c", "max_connections=300",
        .. fastUnsafe ? new[] { "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off" } : [],
    ];

    /// <summary>Npgsql connection string for the <c>postgres</c> database.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    public bool IsRunning { get; private set; }

    public string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}";

    public static async Task<LocalPostgres> StartAsync(LocalPostgresOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalPostgresOptions();
        var bin = options.BinDirectory ?? FindBinDirectory();
        var instance = InstanceDirectory.Create("postgres");
        var throwaway = options.DataDirectory is null;
        var data = options.DataDirectory ?? Path.Combine(instance.Path, "data");
        var server = new LocalPostgres(instance, bin, Path.GetFullPath(data), throwaway, FreePort.Next(), options.FastUnsafe, options.ExtraListenAddresses);
        try
        {
            server.WriteStopScript();
            instance.StartWatchdog(removeFolder: true);
            await server.InitializeAsync(cancellationToken);
            await server.StartAgainAsync(cancellationToken);
            return server;
        }
        catch
        {
            await instance.StopAsync(removeFolder: true, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Starts a stopped server again on the same port and data.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        var (file, args) = Command.AsUser(_runAs, Path.Combine(_binDirectory, "pg_ctl"),
            "-D", _dataDirectory, "-l", Path.Combine(_instance.Path, "postgres.log"), "-w", "-t", "60",
            "-o", _startOptions, "start");
        try
        {
            await Command.RunAsync(file, args, timeout: TimeSpan.FromSeconds(70), cancellationToken: cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            var log = Path.Combine(_instance.Path, "postgres.log");
            var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(20)) : "(no log)";
            throw new InvalidOperationException($"PostgreSQL did not start.\n{e.Message}\nServer log:\n{tail}", e);
        }
        await FreePort.WaitUntilAcceptingAsync(Port, TimeSpan.FromSeconds(30), cancellationToken);
        IsRunning = true;
    }

    /// <summary>Stops the server (fast shutdown) but keeps it restartable: for outage tests.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var (file, args) = Command.AsUser(_runAs, Path.Combine(_binDirectory, "pg_ctl"),
            "-D", _dataDirectory, "-m", "fast", "-w", "-t", "60", "stop");
        await Command.RunAsync(file, args, timeout: TimeSpan.FromSeconds(70), cancellationToken: cancellationToken);
        IsRunning = false;
    }

    public async ValueTask DisposeAsync()
    {
        await _instance.StopAsync(removeFolder: true);
        IsRunning = false;
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_runAs is not null)
        {
            // The server writes its log and socket into the run folder.
            await Command.RunAsync("/bin/chown", [$"{ServiceUser}:{ServiceUser}", _instance.Path], cancellationToken: cancellationToken);
        }
        if (File.Exists(Path.Combine(_dataDirectory, "PG_VERSION")))
        {
            return;
        }
        Directory.CreateDirectory(_dataDirectory);
        if (_runAs is not null)
        {
            await Command.RunAsync("/bin/chown", ["-R", $"{ServiceUser}:{ServiceUser}", _dataDirectory], cancellationToken: cancellationToken);
        }
        var (file, args) = Command.AsUser(_runAs, Path.Combine(_binDirectory, "initdb"),
            "-D", _dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
        await Command.RunAsync(file, args, timeout: TimeSpan.FromSeconds(120), cancellationToken: cancellationToken);
        if (_extraListenAddresses.Count > 0)
        {
            // initdb trusts loopback only; clients on the extra addresses' subnets (other test hosts) are as local.
            await File.AppendAllTextAsync(Path.Combine(_dataDirectory, "pg_hba.conf"), "host all all samenet trust\n", cancellationToken);
        }
    }

    private void WriteStopScript()
    {
        var pgCtl = Command.ShellQuote(Path.Combine(_binDirectory, "pg_ctl"));
        var data = Command.ShellQuote(_dataDirectory);
        var prefix = _runAs is null ? "" : $"/usr/sbin/runuser -u {_runAs} -- ";
        var removeData = _throwaway ? $"rm -rf {data}" : "true";
        _instance.WriteStopScript($"""
            if [ -f {data}/postmaster.pid ]; then
              {prefix}{pgCtl} -D {data} -m fast -w -t 30 stop >/dev/null 2>&1 \
                || kill -9 "$(head -n 1 {data}/postmaster.pid)" 2>/dev/null
            fi
            {removeData}
            exit 0
            """);
    }

    /// <summary>The newest installed PostgreSQL server binaries (Debian layout).</summary>
    public static string FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var candidates = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .ToList()
            : [];
        return candidates.FirstOrDefault() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl). Run ./build.sh test or: apt-get install -y postgresql");
    }
}
