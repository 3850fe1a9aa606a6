using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using ScriptPlatform.Cli.Infrastructure;
using ScriptPlatform.Cli.Operations;
using ScriptPlatform.Cli.Tiers;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Registry.V1;
using Spectre.Console;

namespace ScriptPlatform.Cli.Commands;

/// <summary>batch, keys and doctor: the commands about the platform itself.</summary>
internal static class PlatformCommands
{
    public static IEnumerable<Command> Create(CliContext context) => [Batch(context), Keys(context), Doctor(context)];

    /// <summary>A finished batch: where its results went and its counts.</summary>
    public sealed record BatchResult(string BatchId, int Total, int Succeeded, int Failed, double CostUsd, string ResultsFile);

    /// <summary>One check of <c>sp doctor</c>.</summary>
    public sealed record Check(string Name, bool Ok, bool Required, string Detail);

    private static Command Batch(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Script name: a local tier's script runs as inline content, else the registry's (the lockfile's pin)." };
        var file = new Option<string>("--file", "-f") { Description = "Params file: JSON Lines (one object per line) or CSV (a header row, then one row per job).", Required = true };
        var output = new Option<string?>("--out", "-o") { Description = "Results file (JSON Lines; default: NAME-BATCHID.results.jsonl)." };
        var command = CommandKit.New("batch", "Run one script over many parameter sets on the Executor's workers, with a progress bar.", "sp batch math_addition_001 --file params.jsonl --out results.jsonl", "sp batch scrape_leads -f cities.csv --json");
        command.Arguments.Add(name);
        command.Options.Add(file);
        command.Options.Add(output);
        return command.Handle(context, async (p, o, ct) =>
        {
            var script = ScriptTiers.ValidateName(p.GetValue(name));
            var jobs = ReadParamsFile(Path.GetFullPath(p.GetValue(file)!, context.Environment.WorkingDirectory));
            var fanOut = new BatchFanOut();
            fanOut.ParamsJson.AddRange(jobs);
            if (context.Operations.Tiers.Resolve(script) is { } local)
            {
                fanOut.Inline = new InlineScript { Name = script, Content = Encoding.UTF8.GetString(local.ReadBytes()) };
            }
            else
            {
                var pin = Lockfile.Open(context.Operations.Tiers, context.Settings).PinOf(script);
                fanOut.Script = new ScriptRef { Name = script, VersionSelector = pin?.Version ?? "" };
            }

            var platform = context.Platform;
            var submitted = await platform.CallAsync(PlatformServices.Executor,
                c => platform.Executor.SubmitBatchAsync(new SubmitBatchRequest { FanOut = fanOut, Caller = context.Settings.Caller, Label = script }, c), ct: ct).ConfigureAwait(false);
            var batch = await WaitAsync(context, submitted.BatchId, submitted.JobCount, o, ct).ConfigureAwait(false);
            var resultsFile = Path.GetFullPath(p.GetValue(output) ?? $"{script}-{submitted.BatchId}.results.jsonl", context.Environment.WorkingDirectory);
            var succeeded = await WriteResultsAsync(context, submitted.BatchId, resultsFile, ct).ConfigureAwait(false);
            return new BatchResult(submitted.BatchId, batch.Total, succeeded, batch.Total - succeeded, batch.CostUsd, resultsFile);
        },
        (r, o) => o.Line($"Batch {r.BatchId}: {r.Succeeded}/{r.Total} succeeded, cost {r.CostUsd:0.######} USD; results in {r.ResultsFile}"),
        r => r.Failed == 0 ? 0 : 1);
    }

    private static async Task<Contracts.Executor.V1.Batch> WaitAsync(CliContext context, string batchId, int total, CliOutput output, CancellationToken ct)
    {
        async Task<Contracts.Executor.V1.Batch> Poll() =>
            (await context.Platform.CallAsync(PlatformServices.Executor, c => context.Platform.Executor.GetBatchAsync(new GetBatchRequest { BatchId = batchId }, c), ct: ct)
                .ConfigureAwait(false)).Batch;

        if (output.IsJson)
        {
            while (true)
            {
                var batch = await Poll().ConfigureAwait(false);
                if (batch.State != BatchState.Running)
                {
                    return batch;
                }

                await Task.Delay(200, ct).ConfigureAwait(false);
            }
        }

        Contracts.Executor.V1.Batch? last = null;
        await output.Console.Progress().AutoClear(false).StartAsync(async progress =>
        {
            var bar = progress.AddTask($"batch {batchId[..8]}", maxValue: Math.Max(1, total));
            while (true)
            {
                last = await Poll().ConfigureAwait(false);
                bar.Value = last.Finished;
                if (last.State != BatchState.Running)
                {
                    bar.StopTask();
                    return;
                }

                await Task.Delay(200, ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        return last!;
    }

    private static async Task<int> WriteResultsAsync(CliContext context, string batchId, string path, CancellationToken ct)
    {
        var succeeded = 0;
        var page = new PageRequest { PageSize = 500 };
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        while (true)
        {
            var response = await context.Platform.CallAsync(PlatformServices.Executor,
                c => context.Platform.Executor.GetBatchAsync(new GetBatchRequest { BatchId = batchId, IncludeResults = true, Page = page }, c), ct: ct).ConfigureAwait(false);
            foreach (var execution in response.Results)
            {
                succeeded += execution.Status == ExecutionStatus.Success ? 1 : 0;
                var line = new JsonObject
                {
                    ["index"] = execution.BatchIndex,
                    ["execution_id"] = execution.Id,
                    ["status"] = LocalRuns.Name(execution.Status),
                    ["inputs"] = JsonNode.Parse(execution.ParamsJson),
                    ["outputs"] = string.IsNullOrEmpty(execution.DataJson) ? null : JsonNode.Parse(execution.DataJson),
                    ["error"] = execution.Error is null ? null : new JsonObject { ["type"] = execution.Error.Type, ["message"] = execution.Error.Message },
                    ["cost_usd"] = execution.CostUsd,
                    ["duration_sec"] = execution.Duration?.ToTimeSpan().TotalSeconds,
                };
                await writer.WriteLineAsync(line.ToJsonString()).ConfigureAwait(false);
            }

            if (string.IsNullOrEmpty(response.Page?.NextPageToken))
            {
                return succeeded;
            }

            page = new PageRequest { PageSize = 500, PageToken = response.Page.NextPageToken };
        }
    }

    /// <summary>JSON Lines or CSV (by extension; .csv is CSV) into params objects; a bad line is a usage error that names it.</summary>
    internal static List<string> ReadParamsFile(string path)
    {
        if (!File.Exists(path))
        {
            throw CliError.UsageError("file_not_found", $"The params file {path} does not exist.");
        }

        var lines = File.ReadAllLines(path);
        var jobs = new List<string>();
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            var rows = lines.Select((l, i) => (Cells: Csv(l), Number: i + 1)).Where(r => r.Cells.Count > 0 && !(r.Cells.Count == 1 && r.Cells[0].Length == 0)).ToList();
            if (rows.Count == 0)
            {
                throw CliError.UsageError("invalid_params_file", $"{path} is empty; give a header row and one row per job.");
            }

            var header = rows[0].Cells;
            foreach (var (cells, number) in rows.Skip(1))
            {
                if (cells.Count != header.Count)
                {
                    throw CliError.UsageError("invalid_params_file", $"{path} line {number} has {cells.Count} cells; the header has {header.Count}.");
                }

                var job = new JsonObject();
                for (var i = 0; i < header.Count; i++)
                {
                    job[header[i]] = ParamsInput.Value(cells[i]);
                }

                jobs.Add(job.ToJsonString());
            }
        }
        else
        {
            for (var i = 0; i < lines.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i]))
                {
                    continue;
                }

                try
                {
                    jobs.Add((JsonNode.Parse(lines[i]) as JsonObject ?? throw CliError.UsageError("invalid_params_file", $"{path} line {i + 1} is not a JSON object.")).ToJsonString());
                }
                catch (JsonException ex)
                {
                    throw CliError.UsageError("invalid_params_file", $"{path} line {i + 1} is not valid JSON: {ex.Message}");
                }
            }
        }

        return jobs.Count > 0 ? jobs : throw CliError.UsageError("invalid_params_file", $"{path} holds no jobs.");
    }

    /// <summary>One CSV line (RFC 4180 quoting within the line).</summary>
    private static List<string> Csv(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
            {
                cell.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        cells.Add(cell.ToString());
        return cells;
    }

    private static Command Keys(CliContext context)
    {
        var keys = CommandKit.New("keys", "Manage API keys (admin scope).", "sp keys create --scope publish --owner alice", "sp keys list", "sp keys revoke KEY_ID");
        var scope = new Option<string>("--scope") { Description = "read, publish or admin.", Required = true };
        scope.AcceptOnlyFromAmong("read", "publish", "admin");
        var owner = new Option<string?>("--owner") { Description = "Owner principal (default: your user name)." };
        var label = new Option<string?>("--label") { Description = "A label to recognise the key." };
        var create = CommandKit.New("create", "Create an API key; its secret is shown once.", "sp keys create --scope publish --owner alice --json");
        create.Options.Add(scope);
        create.Options.Add(owner);
        create.Options.Add(label);
        create.Handle(context, async (p, _, ct) =>
        {
            var request = new CreateApiKeyRequest
            {
                Owner = p.GetValue(owner) ?? context.Environment.Variable("USER") ?? "user",
                Label = p.GetValue(label) ?? "created with sp",
                Scopes = { p.GetValue(scope) switch { "admin" => ApiKeyScope.Admin, "publish" => ApiKeyScope.Publish, _ => ApiKeyScope.Read } },
            };
            var response = await context.Platform.CallAsync(PlatformServices.Registry, c => context.Platform.Registry.CreateApiKeyAsync(request, c), ct: ct).ConfigureAwait(false);
            return ScriptOperations.ToJson(response);
        }, (r, o) =>
        {
            o.Line($"Created key {r.GetProperty("key").GetProperty("id").GetString()}. The secret is shown only now:");
            o.Line(r.GetProperty("secret").GetString()!);
        });

        var all = new Option<bool>("--all") { Description = "Include revoked and expired keys." };
        var list = CommandKit.New("list", "List API keys (never their secrets).", "sp keys list --all");
        list.Options.Add(all);
        list.Handle(context, async (p, _, ct) =>
        {
            var response = await context.Platform.CallAsync(PlatformServices.Registry,
                c => context.Platform.Registry.ListApiKeysAsync(new ListApiKeysRequest { IncludeRevoked = p.GetValue(all), Page = new() { PageSize = 100 } }, c), ct: ct).ConfigureAwait(false);
            return ScriptOperations.ToJson(response);
        }, (r, o) =>
        {
            var table = new Table().AddColumns("id", "prefix", "owner", "label", "scopes", "revoked");
            if (r.TryGetProperty("keys", out var items))
            {
                foreach (var key in items.EnumerateArray())
                {
                    table.AddRow(Text(key, "id"), Text(key, "prefix"), Text(key, "owner"), Text(key, "label"),
                        Markup.Escape(key.TryGetProperty("scopes", out var s) ? string.Join(",", s.EnumerateArray().Select(e => e.GetString())) : ""), Text(key, "revokedAt"));
                }
            }

            o.Console.Write(table);
        });

        var id = new Argument<string>("id") { Description = "The key's id (from sp keys list)." };
        var reason = new Option<string?>("--reason") { Description = "Why (audit log)." };
        var revoke = CommandKit.New("revoke", "Revoke an API key; later calls with it are refused.", "sp keys revoke 3f2a... --reason \"left the team\"");
        revoke.Arguments.Add(id);
        revoke.Options.Add(reason);
        revoke.Handle(context, async (p, _, ct) =>
        {
            var response = await context.Platform.CallAsync(PlatformServices.Registry,
                c => context.Platform.Registry.RevokeApiKeyAsync(new RevokeApiKeyRequest { Id = p.GetValue(id)!, Reason = p.GetValue(reason) ?? "" }, c), ct: ct).ConfigureAwait(false);
            return ScriptOperations.ToJson(response);
        }, (r, o) => o.Line($"Revoked key {r.GetProperty("key").GetProperty("id").GetString()}."));

        keys.Subcommands.Add(create);
        keys.Subcommands.Add(list);
        keys.Subcommands.Add(revoke);
        return keys;
    }

    private static string Text(JsonElement element, string property) =>
        Markup.Escape(element.TryGetProperty(property, out var value) ? value.ToString() : "");

    private static Command Doctor(CliContext context)
    {
        var command = CommandKit.New("doctor", "Check the tools local runs need (python3, bubblewrap), sp's files, and which platform services answer.", "sp doctor", "sp doctor --json");
        return command.Handle(context, async (_, _, ct) =>
        {
            var settings = context.Settings;
            var sandbox = settings.SandboxOptions();
            var checks = new List<Check>
            {
                FileCheck("python3", sandbox.PythonPath, required: true),
                FileCheck("bubblewrap", "/usr/bin/bwrap", required: true),
                FileCheck("podman (OCI runner)", "/usr/bin/podman", required: false),
                Guard("tiers and lockfile", () =>
                {
                    var tiers = context.Operations.Tiers;
                    var count = tiers.List(Tier.Project).Count + tiers.List(Tier.User).Count;
                    var lockfile = Lockfile.Open(tiers, settings);
                    return $"{count} local scripts; project {tiers.ProjectRoot ?? "(none)"}; lockfile {lockfile.Path}{(lockfile.Exists ? "" : " (not written yet)")}";
                }),
                Guard("api key", () => settings.ApiKey() is null ? "none (reads only; set SCRIPTPLATFORM_API_KEY to publish)" : "configured"),
            };
            foreach (var service in new[] { PlatformServices.Intent, PlatformServices.Generation, PlatformServices.Registry, PlatformServices.Executor })
            {
                var (serving, detail) = await context.Platform.HealthAsync(service, ct).ConfigureAwait(false);
                checks.Add(new Check($"{service} service", serving, false, detail));
            }

            return checks;
        },
        (checks, o) =>
        {
            foreach (var check in checks)
            {
                o.Line($"{(check.Ok ? "ok  " : check.Required ? "FAIL" : "--  ")} {check.Name,-22} {check.Detail}");
            }
        },
        checks => checks.All(c => c.Ok || !c.Required) ? 0 : 1);
    }

    private static Check FileCheck(string name, string path, bool required) =>
        new(name, File.Exists(path), required, File.Exists(path) ? path : $"missing: {path} (./build.sh test installs it)");

    private static Check Guard(string name, Func<string> check)
    {
        try
        {
            return new Check(name, true, true, check());
        }
        catch (CliError error)
        {
            return new Check(name, false, true, error.Message);
        }
    }
}
