using System.Globalization;
using ScriptPlatform.LocalResources.Internal;

namespace ScriptPlatform.LocalResources;

/// <summary>Options for a local RabbitMQ node.</summary>
public sealed record LocalRabbitMqOptions
{
    /// <summary>
    /// Also serve AMQP to other hosts (say test network namespaces): the node listens on every address and the
    /// guest account may log in from anywhere. For throwaway test nodes only; false: loopback only.
    /// </summary>
    public bool ListenOnAllAddresses { get; init; }
}

/// <summary>
/// A real RabbitMQ node from the installed Debian package, on free loopback ports (AMQP, distribution
/// and its own epmd), with its own HOME, database and logs; owned by this process.
/// </summary>
public sealed class LocalRabbitMq : IAsyncDisposable
{
    private const string RabbitBin = "/usr/lib/rabbitmq/bin";
    private readonly InstanceDirectory _instance;
    private readonly Dictionary<string, string> _environment;

    private readonly bool _allAddresses;

    private LocalRabbitMq(InstanceDirectory instance, int port, bool allAddresses)
    {
        _instance = instance;
        Port = port;
        _allAddresses = allAddresses;
        _environment = NodeEnvironment(instance.Path, port, FreePort.Next(), FreePort.Next());
        if (allAddresses)
        {
            _environment["RABBITMQ_NODE_IP_ADDRESS"] = "0.0.0.0";
        }
    }

    public int Port { get; }

    /// <summary>AMQP URI with the loopback-only guest account.</summary>
    public string ConnectionString => ConnectionStringFor("127.0.0.1");

    /// <summary>AMQP URI for clients reaching the node at <paramref name="host"/> (needs <see cref="LocalRabbitMqOptions.ListenOnAllAddresses"/> off loopback).</summary>
    public string ConnectionStringFor(string host) => $"amqp://guest:guest@{host}:{Port}/";

    /// <summary>
    /// The environment of a node living in <paramref name="directory"/> (its HOME, database, logs, pid
    /// and config files), listening on loopback only: the tests' nodes and the AppHost's.
    /// </summary>
    public static Dictionary<string, string> NodeEnvironment(string directory, int amqpPort, int distributionPort, int epmdPort)
    {
        var dir = directory;
        return new Dictionary<string, string>
        {
            // rabbitmqctl finds the Erlang cookie through HOME, so every call shares this environment.
            ["HOME"] = dir,
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dir, "log"),
            ["RABBITMQ_NODENAME"] = "rabbit@localhost",
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = amqpPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_PID_FILE"] = Path.Combine(dir, "rabbit.pid"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dir, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir, "rabbitmq"),
        };
    }

    /// <summary>Writes the node's plugin and config files named in <paramref name="environment"/>.</summary>
    public static void WriteNodeFiles(IReadOnlyDictionary<string, string> environment)
    {
        File.WriteAllText(environment["RABBITMQ_ENABLED_PLUGINS_FILE"], "[].\n");
        // Small disk and memory thresholds would block publishers on a busy CI box; loopback only.
        File.WriteAllText(environment["RABBITMQ_CONFIG_FILE"] + ".conf",
            "disk_free_limit.absolute = 50MB\nvm_memory_high_watermark.relative = 0.6\n");
    }

    public static async Task<LocalRabbitMq> StartAsync(CancellationToken cancellationToken = default) =>
        await StartAsync(new LocalRabbitMqOptions(), cancellationToken);

    public static async Task<LocalRabbitMq> StartAsync(LocalRabbitMqOptions options, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path.Combine(RabbitBin, "rabbitmq-server")))
        {
            throw new InvalidOperationException(
                "RabbitMQ is not installed (no /usr/lib/rabbitmq/bin/rabbitmq-server). Run ./build.sh test or: apt-get install -y rabbitmq-server");
        }
        var instance = InstanceDirectory.Create("rabbitmq");
        var server = new LocalRabbitMq(instance, FreePort.Next(), options.ListenOnAllAddresses);
        try
        {
            server.WriteFiles();
            instance.StartWatchdog(removeFolder: true);
            await server.StartServerAsync(cancellationToken);
            return server;
        }
        catch
        {
            await instance.StopAsync(removeFolder: true, CancellationToken.None);
            throw;
        }
    }

    public async ValueTask DisposeAsync() => await _instance.StopAsync(removeFolder: true);

    /// <summary>Stops the node but keeps its database (durable queues and persistent messages): for outage tests.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default) =>
        await Command.RunAsync(Path.Combine(RabbitBin, "rabbitmqctl"), ["stop", _environment["RABBITMQ_PID_FILE"]],
            _environment, TimeSpan.FromSeconds(60), cancellationToken);

    /// <summary>Starts a stopped node again on the same ports and database.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) => StartServerAsync(cancellationToken);

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        var pidFile = _environment["RABBITMQ_PID_FILE"];
        var log = Path.Combine(_instance.Path, "start.log");
        // -detached daemonises; its output goes to a file so our pipes are not held open.
        await Command.RunAsync("/bin/sh", ["-c", $"exec {RabbitBin}/rabbitmq-server -detached >>{Command.ShellQuote(log)} 2>&1"],
            _environment, TimeSpan.FromSeconds(30), cancellationToken);
        await Command.RunAsync(Path.Combine(RabbitBin, "rabbitmqctl"), ["wait", pidFile, "--timeout", "60"],
            _environment, TimeSpan.FromSeconds(75), cancellationToken);
        await FreePort.WaitUntilAcceptingAsync(Port, TimeSpan.FromSeconds(30), cancellationToken);
    }

    private void WriteFiles()
    {
        var dir = _instance.Path;
        WriteNodeFiles(_environment);
        if (_allAddresses)
        {
            // guest is loopback-only by default; these nodes serve test hosts on other addresses.
            File.AppendAllText(_environment["RABBITMQ_CONFIG_FILE"] + ".conf", "loopback_users = none\n");
        }
        var exports = string.Join('\n', _environment.Select(e => $"export {e.Key}={Command.ShellQuote(e.Value)}"));
        var pidFile = Command.ShellQuote(_environment["RABBITMQ_PID_FILE"]);
        _instance.WriteStopScript($"""
            {exports}
            if [ -f {pidFile} ]; then
              pid=$(cat {pidFile})
              timeout 30 {RabbitBin}/rabbitmqctl stop {pidFile} >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null
              # Wait for the node to be gone before epmd, which it may still be talking to.
              for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
              kill -9 "$pid" 2>/dev/null
            fi
            epmd -kill >/dev/null 2>&1
            rm -rf {Command.ShellQuote(Path.Combine(dir, "mnesia"))}
            exit 0
            """);
    }
}
