using System.Text.Json;
using ScriptPlatform.Cli;
using ScriptPlatform.Cli.Infrastructure;

namespace ScriptPlatform.Cli.Tests.Infrastructure;

/// <summary>What one sp invocation printed and returned.</summary>
public sealed record SpResult(int ExitCode, string Out, string Error)
{
    public JsonElement Json => JsonDocument.Parse(Out).RootElement;

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}

/// <summary>
/// A throwaway user (HOME) and project folder, and sp invoked in-process against them. By default the
/// platform's addresses point at a closed port (nothing listening): the platform is down.
/// </summary>
public sealed class Sp : IDisposable
{
    /// <summary>A loopback port nothing listens on.</summary>
    public const string Down = "http://127.0.0.1:9";

    private static int _nextBaseUid = 63000;

    public Sp(string? registry = null, string? executor = null, string? generation = null, string? intent = null)
    {
        Root = Directory.CreateTempSubdirectory("sp-test-").FullName;
        Home = Path.Combine(Root, "home");
        Project = Path.Combine(Root, "project");
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Path.Combine(Project, ".ai", "scripts"));
        WorkingDirectory = Project;
        Variables = new Dictionary<string, string>
        {
            ["HOME"] = Home,
            ["USER"] = "tester",
            ["SCRIPTPLATFORM_SERVICES__REGISTRY__HTTP__0"] = registry ?? Down,
            ["SCRIPTPLATFORM_SERVICES__EXECUTOR__HTTP__0"] = executor ?? Down,
            ["SCRIPTPLATFORM_SERVICES__GENERATION__HTTP__0"] = generation ?? Down,
            ["SCRIPTPLATFORM_SERVICES__INTENT__HTTP__0"] = intent ?? Down,
            // Each instance's sandbox slots get their own uids (their sweeps kill every process of a slot uid).
            ["SCRIPTPLATFORM_SANDBOX__BASEUID"] = (Interlocked.Add(ref _nextBaseUid, 4) - 4).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public string Root { get; }

    public string Home { get; }

    public string Project { get; }

    public string WorkingDirectory { get; set; }

    public Dictionary<string, string> Variables { get; }

    public string ProjectScript(string category, string name) => Path.Combine(Project, ".ai", "scripts", category, name + ".py");

    public string UserScript(string category, string name) => Path.Combine(Home, ".scriptplatform", "scripts", category, name + ".py");

    public string ProjectLockfile => Path.Combine(Project, ".ai", "scripts.lock.json");

    public string HistoryFile => Path.Combine(Home, ".scriptplatform", ".runs", "history.jsonl");

    public static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public async Task<SpResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = new CliEnvironment(Home, WorkingDirectory, Variables, output, error, new StringReader(""));
        var code = await SpApp.RunAsync(args, environment, TestContext.Current.CancellationToken);
        return new SpResult(code, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Small scripts in the platform's format.</summary>
public static class Scripts
{
    public const string Add = """"
        """Adds a and b."""
        # /// script
        # [tool.scriptplatform]
        # description = "Add two numbers a and b"
        # category = "math"
        # cost_per_unit = 0.25
        # ///
        def execute(params):
            print("adding", params["a"], params["b"])
            return {"status": "success", "data": {"sum": params["a"] + params["b"]}, "metadata": {"rows_processed": 1}}
        """";

    public const string AsyncMain = """"
        """Greets asynchronously through main()."""
        import asyncio

        async def main(params):
            await asyncio.sleep(0)
            return {"status": "success", "data": {"greeting": "hello " + params.get("name", "world")}}
        """";

    public const string Raises = """"
        """Always fails."""
        def execute(params):
            raise ValueError("no good")
        """";

    public const string Sleeps = """"
        """Sleeps too long."""
        import time

        def execute(params):
            time.sleep(30)
            return {"status": "success", "data": {}}
        """";
}
