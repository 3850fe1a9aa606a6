using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Bench.Shared;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Generation.Extensions;
using ScriptPlatform.Generation.Models;
using ScriptPlatform.Generation.Validation;
using ScriptPlatform.Testing;

// Generate's own overhead (extraction, static inspection, the smoke run in the sandbox, bookkeeping, gRPC) over the
// model's latency. The baseline is the same chat call, through the same IChatClient, to the same scripted server with
// the same latency, measured in this run; overhead = p50(Generate) - p50(model call). Target: p50 <= 150 ms.
var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
var latency = TimeSpan.FromMilliseconds(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 200);
var figures = new BenchFigures("generation");
const string Script = """"
    # /// script
    # requires-python = ">=3.11"
    # dependencies = []
    # [tool.scriptplatform]
    # category = "math"
    # description = "Adds two numbers and returns their sum."
    # params = { a = { type = "number", required = true }, b = { type = "number", required = true } }
    # ///
    """Adds two numbers: params a and b; returns their sum."""
    import math


    def execute(params: dict) -> dict:
        return {"status": "success", "data": {"sum": math.fsum([params["a"], params["b"]])}, "metadata": {}}
    """";

await using var model = await ScriptedModelServer.StartAsync();
model.Latency = latency;
model.Default = ScriptedReply.Text($"Here is the script:\n```python\n{Script}\n```\nIt adds a and b.");

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "ScriptPlatform.Generation", EnvironmentName = "Production" });
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ScriptPlatform:Generation:Drafting:Endpoint"] = model.Endpoint,
    ["ScriptPlatform:Generation:Drafting:Model"] = "scripted",
    ["ScriptPlatform:Sandbox:Slots"] = "2",
    ["ScriptPlatform:Sandbox:BaseUid"] = "60900",
});
builder.Logging.ClearProviders();
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.AddGeneration();
await using var app = builder.Build();
app.MapGeneration();
await app.StartAsync();
using var channel = GrpcChannel.ForAddress(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
var client = new GenerationService.GenerationServiceClient(channel);
var drafting = app.Services.GetRequiredService<ChatModels>().Drafting!;
var validator = app.Services.GetRequiredService<DraftValidator>();
var request = new GenerateRequest { Description = "a math addition script", ExampleParamsJson = """{"a": 2, "b": 3}""" };
var validation = new ValidationRequest(request.ExampleParamsJson, DraftValidator.Success, SkipSmokeRun: false);

async Task<double> Time(Func<Task> action)
{
    var clock = Stopwatch.StartNew();
    await action();
    return clock.Elapsed.TotalMilliseconds;
}

Task ModelCall() => drafting.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "a math addition script")]);
async Task Generate()
{
    var response = await client.GenerateAsync(request);
    if (!response.Validation.Ok || response.Validation.SmokeRun.Status != "success")
    {
        throw new InvalidOperationException("the benchmark's draft did not validate: " + response.Validation);
    }
}

Task Validate() => validator.ValidateAsync(Script + "\n", validation, CancellationToken.None);

for (var i = 0; i < 3; i++)
{
    await ModelCall();
    await Generate();
}

// Interleaved, so that the machine's load drifts over all three series alike.
List<double> baseline = [], generate = [], validating = [];
for (var i = 0; i < runs; i++)
{
    baseline.Add(await Time(ModelCall));
    generate.Add(await Time(Generate));
    validating.Add(await Time(Validate));
}

static double P(List<double> values, double q)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}

var overheadP50 = P(generate, 0.5) - P(baseline, 0.5);
var load = File.ReadAllText("/proc/loadavg").Trim();
Console.WriteLine($"Generation bench: {runs} runs each, scripted model latency {latency.TotalMilliseconds:0} ms, load average {load}");
Console.WriteLine($"{"series",-44} {"p50 ms",8} {"p90 ms",8} {"max ms",8}");
foreach (var (name, series) in new[] { ("model call alone (baseline, same IChatClient)", baseline), ("Generate over gRPC (model + overhead)", generate), ("validation alone (inspect + sandbox smoke)", validating) })
{
    Console.WriteLine($"{name,-44} {P(series, 0.5),8:0.0} {P(series, 0.9),8:0.0} {series.Max(),8:0.0}");
}

Console.WriteLine($"Generate overhead p50 = {overheadP50:0.0} ms (target <= 150 ms): {(overheadP50 <= 150 ? "MET" : "NOT MET")}; ratio Generate/model p50 = {P(generate, 0.5) / P(baseline, 0.5):0.00}");

figures.Add("Generate over gRPC p50 (model + overhead)", P(generate, 0.5), "ms", "model call alone p50, same IChatClient", P(baseline, 0.5), Target.OverheadAtMost(150, "ms"));
figures.Add("validation alone (inspect + sandbox smoke) p50", P(validating, 0.5), "ms");
figures.Write(new
{
    runs,
    modelLatencyMs = latency.TotalMilliseconds,
    loadAverage = load,
    baselineP50Ms = P(baseline, 0.5),
    generateP50Ms = P(generate, 0.5),
    validationP50Ms = P(validating, 0.5),
    overheadP50Ms = overheadP50,
    targetMs = 150,
    met = overheadP50 <= 150,
}, new JsonSerializerOptions { WriteIndented = true });
await app.StopAsync();
return overheadP50 <= 150 ? 0 : 1;
