using System.Globalization;
using ScriptPlatform.Bench.Grpc;

// bench server <port>                                                 the grpc-dotnet server, until stopped
// bench client <client-name> <seconds> <rounds> <name=host:port>...   JSON lines of results (Grpc.Net.Client)
// bench report <results.jsonl> [load average at start]                the table with ratios; bench/results/grpc.json
return args switch
{
    ["server", var port] => await BenchServer.RunAsync(int.Parse(port, CultureInfo.InvariantCulture)),
    ["client", var client, var seconds, var rounds, .. var targets] when targets.Length > 0 => await BenchClient.RunAsync(
        client, double.Parse(seconds, CultureInfo.InvariantCulture), int.Parse(rounds, CultureInfo.InvariantCulture), targets),
    ["report", var file] => Report.Print(file),
    ["report", var file, var loadAtStart] => Report.Print(file, loadAtStart),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: bench server <port> | client <client-name> <seconds> <rounds> <name=host:port>... | report <results.jsonl> [load average at start]");
    return 2;
}
