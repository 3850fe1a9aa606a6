using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json;

namespace ScriptPlatform.Cli.Commands;

/// <summary><c>sp doctor</c>: what this machine has for local runs, and which platform services answer.</summary>
internal static class DoctorCommand
{
    private sealed record Check(string Name, bool Ok, bool Required, string Detail);

    // Default endpoints of ARCHITECTURE.md; ScriptPlatform__Services__NAME overrides each.
    private static readonly (string Name, int Port)[] Services = [("intent", 7101), ("generation", 7102), ("registry", 7103), ("executor", 7104)];

    public static Command Create()
    {
        var command = new Command("doctor", "Check the tools local runs need (python3, bubblewrap) and which platform services answer.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var checks = new List<Check>
            {
                FileCheck("python3", "/usr/bin/python3", required: true),
                FileCheck("bubblewrap", "/usr/bin/bwrap", required: true),
                FileCheck("podman (OCI runner)", "/usr/bin/podman", required: false),
            };
            foreach (var (name, port) in Services)
            {
                checks.Add(await ServiceCheckAsync(name, port, cancellationToken));
            }
            Write(checks, parse.GetValue(CommonOptions.Json));
            return checks.All(c => c.Ok || !c.Required) ? 0 : 1;
        });
        return command;
    }

    private static Check FileCheck(string name, string path, bool required) =>
        new(name, File.Exists(path), required, File.Exists(path) ? path : $"missing: {path} (./build.sh test installs it)");

    private static async Task<Check> ServiceCheckAsync(string name, int defaultPort, CancellationToken cancellationToken)
    {
        var address = Environment.GetEnvironmentVariable($"ScriptPlatform__Services__{name}") ?? $"http://127.0.0.1:{defaultPort}";
        var uri = new Uri(address);
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(uri.Host, uri.Port, timeout.Token);
            return new Check($"{name} service", true, false, $"{address} answers");
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return new Check($"{name} service", false, false, $"{address} not reachable (start it with ./build.sh up)");
        }
    }

    private static void Write(List<Check> checks, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(checks.Select(c => new { name = c.Name, ok = c.Ok, required = c.Required, detail = c.Detail })));
            return;
        }
        foreach (var check in checks)
        {
            var mark = check.Ok ? "ok  " : check.Required ? "FAIL" : "--  ";
            Console.Out.WriteLine($"{mark} {check.Name,-22} {check.Detail}");
        }
    }
}
