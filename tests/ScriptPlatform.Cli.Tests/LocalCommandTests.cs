using System.Text.Json;
using ScriptPlatform.Cli.Tests.Infrastructure;

namespace ScriptPlatform.Cli.Tests;

/// <summary>Every local command with no services at all: a throwaway HOME and project, the platform's ports closed.</summary>
public sealed class LocalCommandTests
{
    [Fact]
    public async Task Run_executes_a_project_script_in_the_sandbox_costs_it_and_appends_to_the_history()
    {
        using var sp = new Sp();
        Sp.Write(sp.ProjectScript("math", "math_add"), Scripts.Add);

        var result = await sp.RunAsync("run", "math_add", "--param", "a=2", "--param", "b=3", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json;
        Assert.Equal("success", json.GetProperty("status").GetString());
        Assert.Equal("project", json.GetProperty("source").GetString());
        Assert.Equal(5, json.GetProperty("data").GetProperty("sum").GetInt32());
        Assert.Equal(0.25, json.GetProperty("cost_usd").GetDouble());
        Assert.Contains("adding 2 3", json.GetProperty("stdout").GetString());
        Assert.False(json.GetProperty("logged_remotely").GetBoolean());
        var history = File.ReadAllLines(sp.HistoryFile).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var entry = Assert.Single(history);
        Assert.Equal("math_add", entry.GetProperty("script_name").GetString());
        Assert.Equal("success", entry.GetProperty("status").GetString());
        Assert.Equal(2, entry.GetProperty("inputs").GetProperty("a").GetInt32());
        Assert.Equal(5, entry.GetProperty("outputs").GetProperty("sum").GetInt32());
        Assert.Equal(json.GetProperty("execution_id").GetString(), entry.GetProperty("execution_id").GetString());

        var listed = await sp.RunAsync("history", "--json");
        Assert.Equal(0, listed.ExitCode);
        Assert.Equal("math_add", Assert.Single(listed.Json.EnumerateArray().ToList()).GetProperty("script_name").GetString());
    }

    [Fact]
    public async Task Run_takes_the_project_tier_before_the_user_tier_and_the_user_tier_outside_a_project()
    {
        using var sp = new Sp();
        Sp.Write(sp.UserScript("greet", "hello"), Scripts.AsyncMain);
        Sp.Write(sp.ProjectScript("greet", "hello"), Scripts.Raises);

        var inProject = await sp.RunAsync("run", "hello", "--json");
        Assert.Equal(1, inProject.ExitCode);
        Assert.Equal("project", inProject.Json.GetProperty("source").GetString());
        Assert.Equal("error", inProject.Json.GetProperty("status").GetString());
        Assert.Equal("ValueError", inProject.Json.GetProperty("error").GetProperty("type").GetString());

        sp.WorkingDirectory = sp.Home;
        var outside = await sp.RunAsync("run", "hello", "--params", """{"name": "ada"}""", "--json");
        Assert.True(outside.ExitCode == 0, outside.ToString());
        Assert.Equal("user", outside.Json.GetProperty("source").GetString());
        Assert.Equal("hello ada", outside.Json.GetProperty("data").GetProperty("greeting").GetString());
    }

    [Fact]
    public async Task Run_stops_a_script_at_its_timeout()
    {
        using var sp = new Sp();
        Sp.Write(sp.ProjectScript("misc", "slow"), Scripts.Sleeps);

        var result = await sp.RunAsync("run", "slow", "--timeout", "1", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("timeout", result.Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_missing_script_is_an_error_that_says_the_registry_was_not_checked_when_it_is_down()
    {
        using var sp = new Sp();

        var result = await sp.RunAsync("run", "no_such_script", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("script_not_found", result.Json.GetProperty("error").GetString());
        Assert.Contains("unreachable", result.Json.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("run", "x", "--no-such-flag")]
    [InlineData("search", "--limit", "many")]
    [InlineData("load", "x", "--to", "elsewhere")]
    [InlineData("publish", "x")]
    public async Task Unknown_commands_flags_and_bad_option_values_are_usage_errors(params string[] args)
    {
        using var sp = new Sp();

        var result = await sp.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error:", result.Error);
        Assert.Contains("--help", result.Error);
    }

    [Theory]
    [InlineData("{bad")]
    [InlineData("[1, 2]")]
    public async Task Params_that_are_not_a_JSON_object_are_a_usage_error(string paramsJson)
    {
        using var sp = new Sp();
        Sp.Write(sp.ProjectScript("math", "math_add"), Scripts.Add);

        var result = await sp.RunAsync("run", "math_add", "--params", paramsJson, "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("invalid_params", result.Json.GetProperty("error").GetString());
        Assert.False(File.Exists(sp.HistoryFile));
    }

    [Fact]
    public async Task An_invalid_script_name_is_a_usage_error()
    {
        using var sp = new Sp();

        var result = await sp.RunAsync("run", "Bad-Name", "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("invalid_name", result.Json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_corrupted_lockfile_is_a_clear_error_and_is_never_overwritten()
    {
        using var sp = new Sp();
        Sp.Write(sp.ProjectScript("math", "math_add"), Scripts.Add);
        const string Corrupt = """{"version": "1.0.0", "scripts": {"math_add": 12""";
        File.WriteAllText(sp.ProjectLockfile, Corrupt);

        foreach (var args in new[] { new[] { "run", "math_add", "--json" }, ["lock", "--json"] })
        {
            var result = await sp.RunAsync(args);
            Assert.Equal(1, result.ExitCode);
            Assert.Equal("lockfile_corrupt", result.Json.GetProperty("error").GetString());
            Assert.Contains(sp.ProjectLockfile, result.Json.GetProperty("message").GetString());
        }

        Assert.Equal(Corrupt, File.ReadAllText(sp.ProjectLockfile));
    }

    [Fact]
    public async Task A_script_whose_content_differs_from_its_pinned_hash_is_refused()
    {
        using var sp = new Sp();
        Sp.Write(sp.ProjectScript("math", "math_add"), Scripts.Add);
        File.WriteAllText(sp.ProjectLockfile, $$"""
            {"version": "1.0.0", "project_hash": "", "scripts": {"math_add": "1.0.0"}, "directives": {},
             "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z",
             "integrity": {"math_add": "{{new string('a', 64)}}"} }
            """);

        var result = await sp.RunAsync("run", "math_add", "--param", "a=1", "--param", "b=2", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("hash_mismatch", result.Json.GetProperty("error").GetString());
        Assert.False(File.Exists(sp.HistoryFile));
    }

    [Fact]
    public async Task A_tier_folder_that_cannot_be_read_is_named_in_the_error()
    {
        using var sp = new Sp();
        Directory.Delete(Path.Combine(sp.Project, ".ai", "scripts"));
        File.WriteAllText(Path.Combine(sp.Project, ".ai", "scripts"), "not a folder");

        var result = await sp.RunAsync("search", "anything", "--local", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("tier_unreadable", result.Json.GetProperty("error").GetString());
        Assert.Contains(Path.Combine(sp.Project, ".ai", "scripts"), result.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Search_keeps_working_on_the_local_tiers_when_the_platform_is_down_and_marks_each_source()
    {
        using var sp = new Sp();
        Sp.Write(sp.ProjectScript("math", "math_add"), Scripts.Add);
        Sp.Write(sp.UserScript("math", "math_add_user"), Scripts.Add);

        var result = await sp.RunAsync("search", "add numbers", "--json");

        Assert.Equal(0, result.ExitCode);
        var hits = result.Json.GetProperty("hits").EnumerateArray().Select(h => (h.GetProperty("name").GetString(), h.GetProperty("source").GetString())).ToList();
        Assert.Equal([("math_add", "project"), ("math_add_user", "user")], hits);
        Assert.Contains("unreachable", result.Json.GetProperty("registry_error").GetString());
    }

    [Theory]
    [InlineData("load", "math_add")]
    [InlineData("publish", "math_add", "--version", "1.0.0")]
    [InlineData("versions", "math_add")]
    [InlineData("remove", "math_add")]
    [InlineData("keys", "list")]
    [InlineData("generate", "a math addition script")]
    [InlineData("ask", "run math_add")]
    public async Task Remote_commands_say_which_service_is_unreachable_when_the_platform_is_down(params string[] args)
    {
        using var sp = new Sp();
        Sp.Write(sp.ProjectScript("math", "math_add"), Scripts.Add);

        var result = await sp.RunAsync([.. args, "--json"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("platform_unreachable", result.Json.GetProperty("error").GetString());
        Assert.Contains("127.0.0.1:9", result.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Every_command_has_help_with_an_example()
    {
        using var sp = new Sp();
        string[][] commands =
        [
            ["search"], ["load"], ["run"], ["publish"], ["remove"], ["versions"], ["help"], ["lock"], ["history"], ["batch"],
            ["keys"], ["keys", "create"], ["keys", "list"], ["keys", "revoke"], ["doctor"], ["generate"], ["ask"], ["chat"], ["mcp"],
        ];
        foreach (var command in commands)
        {
            var result = await sp.RunAsync([.. command, "--help"]);
            Assert.True(result.ExitCode == 0, string.Join(' ', command) + ": " + result);
            Assert.Contains("Example", result.Out);
            Assert.Contains("--json", result.Out);
        }
    }

    [Fact]
    public async Task Help_explains_a_local_script_from_its_metadata_and_the_tools_in_general()
    {
        using var sp = new Sp();
        Sp.Write(sp.ProjectScript("math", "math_add"), Scripts.Add);

        var script = await sp.RunAsync("help", "math_add", "--json");
        var general = await sp.RunAsync("help", "--topic", "lockfile");

        Assert.Equal(0, script.ExitCode);
        Assert.Contains("Add two numbers", script.Json.GetProperty("text").GetString());
        Assert.Equal(0, general.ExitCode);
        Assert.Contains("sha256", general.Out);
    }

    [Fact]
    public async Task Doctor_reports_the_local_tools_and_the_unreachable_services()
    {
        using var sp = new Sp();

        var result = await sp.RunAsync("doctor", "--json");

        Assert.Equal(0, result.ExitCode);
        var checks = result.Json.EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("ok").GetBoolean());
        Assert.True(checks["python3"]);
        Assert.True(checks["bubblewrap"]);
        Assert.False(checks["registry service"]);
        Assert.False(checks["executor service"]);
    }

    [Fact]
    public async Task An_api_key_in_a_config_file_others_can_read_is_refused()
    {
        using var sp = new Sp();
        var config = Path.Combine(sp.Home, ".scriptplatform", "config.json");
        Sp.Write(config, """{"api_key": "spk_secret"}""");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var result = await sp.RunAsync("keys", "list", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("credentials_exposed", result.Json.GetProperty("error").GetString());
    }
}
