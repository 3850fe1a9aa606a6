using System.Diagnostics;
using System.Globalization;

namespace ScriptPlatform.Faults.Tests.Infrastructure;

/// <summary>
/// Test hosts as network namespaces: each gets a veth pair to the root namespace (the third host, where Postgres and
/// RabbitMQ run) and its own /30 subnet. Disposing deletes every namespace and veth it made, whatever happened.
/// </summary>
public sealed class TestHosts : IDisposable
{
    private readonly List<TestHost> _hosts = [];

    /// <summary>Why namespaces cannot be made here, or null when they can.</summary>
    public static string? Unavailable()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "ip netns needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN); the tests do not run as root";
        }

        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
        {
            return "the ip command (iproute2) is not installed";
        }

        // Root in a container may still lack CAP_NET_ADMIN/CAP_SYS_ADMIN: try once.
        var probe = "spprobe" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var (code, error) = Ip("netns", "add", probe);
        Ip("netns", "del", probe);
        return code == 0 ? null : $"ip netns add failed here: {error.Trim()}";
    }

    /// <summary>Makes a namespace named for this run with its veth; <paramref name="index"/> picks its subnet.</summary>
    public TestHost Add(string name, int index)
    {
        // 10.213.X.Y/30 per host; X from the process id keeps parallel runs (other checkouts) apart.
        var block = (Environment.ProcessId % 60 * 4) + index;
        var tag = $"{Environment.ProcessId % 100000}{name[0]}";
        var host = new TestHost($"spf{tag}", $"spf{tag}h", $"spf{tag}n", $"10.213.{block}.1", $"10.213.{block}.2");
        _hosts.Add(host);
        Run("netns", "add", host.Namespace);
        Run("link", "add", host.HostVeth, "type", "veth", "peer", "name", host.NamespaceVeth);
        Run("link", "set", host.NamespaceVeth, "netns", host.Namespace);
        Run("addr", "add", host.RootAddress + "/30", "dev", host.HostVeth);
        Run("link", "set", host.HostVeth, "up");
        Run("-n", host.Namespace, "addr", "add", host.Address + "/30", "dev", host.NamespaceVeth);
        Run("-n", host.Namespace, "link", "set", host.NamespaceVeth, "up");
        Run("-n", host.Namespace, "link", "set", "lo", "up");
        return host;
    }

    /// <summary>Cuts a host off the network: its veth goes (with its peer), so nothing it sent is ever answered.</summary>
    public static void Unplug(TestHost host) => Run("link", "del", host.HostVeth);

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            Ip("link", "del", host.HostVeth);
            Ip("netns", "del", host.Namespace);
        }
    }

    private static void Run(params string[] args)
    {
        var (code, error) = Ip(args);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {error}");
        }
    }

    private static (int Code, string Error) Ip(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }
}

/// <summary>One test host: its namespace, the veth ends, its address and the root namespace's address on its link.</summary>
public sealed record TestHost(string Namespace, string HostVeth, string NamespaceVeth, string RootAddress, string Address);
