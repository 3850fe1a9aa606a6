using System.Text.Json;
using Grpc.Net.Client;
using ScriptPlatform.Cli.Tests.Infrastructure;
using ScriptPlatform.Contracts.Executor.V1;

namespace ScriptPlatform.Cli.Tests;

/// <summary>sp's remote commands end to end against a real Registry and Executor.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RemoteCommandTests(PlatformFixture platform)
{
    private Sp Client()
    {
        var sp = new Sp(platform.RegistryAddress, platform.ExecutorAddress);
        sp.Variables["SCRIPTPLATFORM_API_KEY"] = platform.AdminKey;
        return sp;
    }

    private static string Unique(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Publish_from_the_project_then_load_elsewhere_then_run_is_logged_locally_and_in_the_executor()
    {
        var name = Unique("math_add");
        using var author = Client();
        Sp.Write(author.ProjectScript("math", name), Scripts.Add);
        var published = await author.RunAsync("publish", name, "--version", "1.0.0", "--changelog", "Initial release", "--json");
        Assert.True(published.ExitCode == 0, published.ToString());
        Assert.Equal("project", published.Json.GetProperty("source").GetString());
        var pinned = JsonDocument.Parse(File.ReadAllText(author.ProjectLockfile)).RootElement;
        Assert.Equal("1.0.0", pinned.GetProperty("scripts").GetProperty(name).GetString());
        Assert.Equal(published.Json.GetProperty("sha256").GetString(), pinned.GetProperty("integrity").GetProperty(name).GetString());

        using var user = Client();
        var notLoaded = await user.RunAsync("run", name, "--json");
        Assert.Equal(1, notLoaded.ExitCode);
        Assert.Equal("script_not_found_locally", notLoaded.Json.GetProperty("error").GetString());
        Assert.Equal("registry", notLoaded.Json.GetProperty("available_in").GetString());
        Assert.Equal($"Script '{name}' not found in project or user space", notLoaded.Json.GetProperty("message").GetString());

        var loaded = await user.RunAsync("load", name, "--json");
        Assert.True(loaded.ExitCode == 0, loaded.ToString());
        Assert.Equal("user", loaded.Json.GetProperty("tier").GetString());
        Assert.Equal(Scripts.Add, File.ReadAllText(user.UserScript("math", name)));

        var run = await user.RunAsync("run", name, "--params", """{"a": 20, "b": 22}""", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("user", run.Json.GetProperty("source").GetString());
        Assert.Equal("1.0.0", run.Json.GetProperty("version").GetString());
        Assert.True(run.Json.GetProperty("logged_remotely").GetBoolean());

        using var channel = GrpcChannel.ForAddress(platform.ExecutorAddress);
        var recorded = await new ExecutorService.ExecutorServiceClient(channel).GetExecutionAsync(new GetExecutionRequest { Id = run.Json.GetProperty("execution_id").GetString() });
        Assert.Equal(name, recorded.Execution.ScriptName);
        Assert.Equal(Contracts.Common.V1.ExecutionStatus.Success, recorded.Execution.Status);
        Assert.Equal(0.25, recorded.Execution.CostUsd);
        Assert.Contains("42", recorded.Execution.DataJson);
        Assert.StartsWith("external:", recorded.Execution.WorkerId);
    }

    [Fact]
    public async Task RecordRun_refuses_unfinished_or_malformed_runs_and_replays_an_id_without_change()
    {
        using var channel = GrpcChannel.ForAddress(platform.ExecutorAddress);
        var client = new ExecutorService.ExecutorServiceClient(channel);
        Execution Run(Contracts.Common.V1.ExecutionStatus status, string hash) => new()
        {
            Id = Guid.NewGuid().ToString(), ScriptName = "local_script", ContentHash = hash, ParamsJson = "{}", Status = status,
        };

        var running = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.RecordRunAsync(new RecordRunRequest { Execution = Run(Contracts.Common.V1.ExecutionStatus.Running, new string('a', 64)) }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, running.StatusCode);
        var badHash = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.RecordRunAsync(new RecordRunRequest { Execution = Run(Contracts.Common.V1.ExecutionStatus.Success, "xyz") }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, badHash.StatusCode);

        var run = Run(Contracts.Common.V1.ExecutionStatus.Success, new string('b', 64));
        var first = await client.RecordRunAsync(new RecordRunRequest { Execution = run, Origin = "test" });
        run.Status = Contracts.Common.V1.ExecutionStatus.Error;
        var replay = await client.RecordRunAsync(new RecordRunRequest { Execution = run, Origin = "test" });
        Assert.False(first.IdempotentReplay);
        Assert.True(replay.IdempotentReplay);
        Assert.Equal(Contracts.Common.V1.ExecutionStatus.Success, replay.Execution.Status);
        Assert.Equal("external:test", replay.Execution.WorkerId);
    }

    [Fact]
    public async Task Search_marks_hits_from_the_project_user_and_registry_tiers()
    {
        var name = Unique("geo_distance");
        using var sp = Client();
        Sp.Write(sp.ProjectScript("geo", name), Scripts.Add);
        Assert.Equal(0, (await sp.RunAsync("publish", name, "--version", "1.0.0")).ExitCode);
        Sp.Write(sp.UserScript("geo", name), Scripts.Add);

        var result = await sp.RunAsync("search", name, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var sources = result.Json.GetProperty("hits").EnumerateArray().Where(h => h.GetProperty("name").GetString() == name).Select(h => h.GetProperty("source").GetString()).ToList();
        Assert.Equal(["project", "user", "registry"], sources);
    }

    [Fact]
    public async Task Load_honours_the_pin_warns_about_a_newer_version_and_refuses_tampered_content()
    {
        var name = Unique("text_upper");
        using var sp = Client();
        var file = Path.Combine(sp.Root, name + ".py");
        Sp.Write(file, Scripts.Add);
        Assert.Equal(0, (await sp.RunAsync("publish", file, "--version", "1.0.0")).ExitCode);
        Assert.Equal(0, (await sp.RunAsync("load", name, "--json")).ExitCode);
        Sp.Write(file, Scripts.Add + "\n# 1.1.0\n");
        Assert.Equal(0, (await sp.RunAsync("publish", file, "--version", "1.1.0")).ExitCode);

        var again = await sp.RunAsync("load", name, "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("1.0.0", again.Json.GetProperty("version").GetString());
        Assert.Contains(again.Json.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("1.1.0 is available"));

        var run = await sp.RunAsync("run", name, "--param", "a=1", "--param", "b=1", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.Json.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("1.1.0 is available"));

        File.AppendAllText(sp.UserScript("math", name), "\n# tampered\n");
        var tampered = await sp.RunAsync("run", name, "--json");
        Assert.Equal(1, tampered.ExitCode);
        Assert.Equal("hash_mismatch", tampered.Json.GetProperty("error").GetString());

        var upgraded = await sp.RunAsync("load", name, "--version", "1.1.0", "--force", "--json");
        Assert.True(upgraded.ExitCode == 0, upgraded.ToString());
        var lockfile = JsonDocument.Parse(File.ReadAllText(sp.ProjectLockfile)).RootElement;
        Assert.Equal("1.1.0", lockfile.GetProperty("scripts").GetProperty(name).GetString());
        Assert.Equal(64, lockfile.GetProperty("project_hash").GetString()!.Length);
    }

    [Fact]
    public async Task Lock_pins_local_scripts_to_the_registry_version_with_their_content()
    {
        var name = Unique("csv_rows");
        using var sp = Client();
        Sp.Write(sp.ProjectScript("data", name), Scripts.Add);
        using (var other = Client())
        {
            var file = Path.Combine(other.Root, name + ".py");
            Sp.Write(file, Scripts.Add);
            Assert.Equal(0, (await other.RunAsync("publish", file, "--version", "2.0.0")).ExitCode);
        }

        var result = await sp.RunAsync("lock", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("2.0.0", result.Json.GetProperty("scripts").GetProperty(name).GetString());
        var written = JsonDocument.Parse(File.ReadAllText(sp.ProjectLockfile)).RootElement;
        Assert.Equal("1.0.0", written.GetProperty("version").GetString());
        Assert.Equal("2.0.0", written.GetProperty("scripts").GetProperty(name).GetString());
        Assert.Equal(JsonValueKind.Object, written.GetProperty("directives").ValueKind);
        Assert.True(written.TryGetProperty("created_at", out _));
    }

    [Fact]
    public async Task Versions_help_and_remove_talk_to_the_registry()
    {
        var name = Unique("misc_echo");
        using var sp = Client();
        var file = Path.Combine(sp.Root, name + ".py");
        Sp.Write(file, Scripts.Add);
        Assert.Equal(0, (await sp.RunAsync("publish", file, "--version", "1.0.0")).ExitCode);
        Sp.Write(file, Scripts.Add + "\n# two\n");
        Assert.Equal(0, (await sp.RunAsync("publish", file, "--version", "1.0.1", "--changelog", "two")).ExitCode);

        var versions = await sp.RunAsync("versions", name, "--json");
        Assert.Equal(["1.0.1", "1.0.0"], versions.Json.EnumerateArray().Select(v => v.GetProperty("version").GetString()).ToList());
        var help = await sp.RunAsync("help", name, "--json");
        Assert.Equal("registry", help.Json.GetProperty("source").GetString());
        Assert.Equal(0, (await sp.RunAsync("remove", name, "--version", "1.0.1")).ExitCode);
        var after = await sp.RunAsync("versions", name, "--json");
        Assert.Equal(["1.0.0"], after.Json.EnumerateArray().Select(v => v.GetProperty("version").GetString()).ToList());
        Assert.Equal(0, (await sp.RunAsync("remove", name)).ExitCode);
        Assert.Equal("not_found", (await sp.RunAsync("versions", name, "--json")).Json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Keys_are_created_listed_and_revoked_by_an_admin_and_a_revoked_key_is_refused()
    {
        using var sp = Client();
        var created = await sp.RunAsync("keys", "create", "--scope", "publish", "--owner", "dora", "--json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var id = created.Json.GetProperty("key").GetProperty("id").GetString()!;
        var secret = created.Json.GetProperty("secret").GetString()!;

        var listed = await sp.RunAsync("keys", "list", "--json");
        Assert.Contains(listed.Json.GetProperty("keys").EnumerateArray(), k => k.GetProperty("id").GetString() == id);
        Assert.Equal(0, (await sp.RunAsync("keys", "revoke", id, "--reason", "test")).ExitCode);

        using var dora = Client();
        dora.Variables["SCRIPTPLATFORM_API_KEY"] = secret;
        var file = Path.Combine(dora.Root, "dora_script.py");
        Sp.Write(file, Scripts.Add);
        var refused = await dora.RunAsync("publish", file, "--version", "1.0.0", "--json");
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("unauthenticated", refused.Json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Batch_runs_a_params_file_on_the_executor_and_writes_a_results_file()
    {
        var name = Unique("math_batch");
        using var sp = Client();
        Sp.Write(sp.ProjectScript("math", name), Scripts.Add);
        var jsonl = Path.Combine(sp.Root, "params.jsonl");
        File.WriteAllLines(jsonl, ["""{"a": 1, "b": 2}""", "", """{"a": 10, "b": 20}"""]);
        var csv = Path.Combine(sp.Root, "params.csv");
        File.WriteAllLines(csv, ["a,b", "3,4", "\"5\",6"]);

        var fromJsonl = await sp.RunAsync("batch", name, "--file", jsonl, "--out", Path.Combine(sp.Root, "out.jsonl"), "--json");
        Assert.True(fromJsonl.ExitCode == 0, fromJsonl.ToString());
        Assert.Equal(2, fromJsonl.Json.GetProperty("succeeded").GetInt32());
        var sums = File.ReadAllLines(Path.Combine(sp.Root, "out.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("outputs").GetProperty("sum").GetInt32()).ToList();
        Assert.Equal([3, 30], sums);

        var fromCsv = await sp.RunAsync("batch", name, "-f", csv, "-o", Path.Combine(sp.Root, "csv.jsonl"));
        Assert.True(fromCsv.ExitCode == 0, fromCsv.ToString());
        Assert.Contains("2/2 succeeded", fromCsv.Out);

        File.WriteAllLines(jsonl, ["""{"a": 1}""", "{oops"]);
        var bad = await sp.RunAsync("batch", name, "--file", jsonl, "--json");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("line 2", bad.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Doctor_sees_the_registry_and_executor_serving()
    {
        using var sp = Client();

        var result = await sp.RunAsync("doctor", "--json");

        Assert.Equal(0, result.ExitCode);
        var checks = result.Json.EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("ok").GetBoolean());
        Assert.True(checks["registry service"]);
        Assert.True(checks["executor service"]);
        Assert.False(checks["intent service"]);
    }

    [Fact]
    public async Task A_development_registry_provisions_an_admin_key_once_and_sp_publishes_with_it()
    {
        using var sp = new Sp();
        var keyFile = Path.Combine(sp.Home, ".scriptplatform", "dev-admin-key");
        var (_, address) = await platform.StartRegistryAsync("Development", new() { ["ScriptPlatform:Registry:DevelopmentKey:File"] = keyFile });
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        var key = File.ReadAllText(keyFile);
        sp.Variables["SCRIPTPLATFORM_SERVICES__REGISTRY__HTTP__0"] = address;
        var file = Path.Combine(sp.Root, "dev_first.py");
        Sp.Write(file, Scripts.Add);

        var published = await sp.RunAsync("publish", file, "--version", "1.0.0", "--json");

        Assert.True(published.ExitCode == 0, published.ToString());
        var (_, second) = await platform.StartRegistryAsync("Development", new() { ["ScriptPlatform:Registry:DevelopmentKey:File"] = keyFile });
        Assert.NotEqual(key, File.ReadAllText(keyFile));
        sp.Variables["SCRIPTPLATFORM_SERVICES__REGISTRY__HTTP__0"] = second;
        Assert.Equal(0, (await sp.RunAsync("keys", "list")).ExitCode);
    }
}
