using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ScriptPlatform.Registry.Checking;
using ScriptPlatform.Registry.Tests.Infrastructure;

namespace ScriptPlatform.Registry.Tests.Unit;

/// <summary>The checker against Debian's python3: compiles, never runs.</summary>
public sealed class PythonScriptCheckerTests : IDisposable
{
    private readonly PythonScriptChecker _checker = Create(new ScriptCheckerOptions());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static PythonScriptChecker Create(ScriptCheckerOptions options) => new(Options.Create(options), NullLogger<PythonScriptChecker>.Instance);

    public void Dispose() => _checker.Dispose();

    [Fact]
    public async Task The_test_suites_script_compiles_and_has_an_entry_point() =>
        Assert.Null(await _checker.FindProblemAsync(Scripts.Source("Adds two numbers"), Ct));

    [Theory]
    [InlineData("def execute(params):\n    return (\n", "line 2: '(' was never closed")]
    [InlineData("\tdef execute(params): pass\n", "line 1: unexpected indent")]
    [InlineData("def execute(params):\n    nonlocal x\n", "line 2: no binding for nonlocal 'x' found")]
    [InlineData("x = 1\n\u0001\n", "line 2: invalid non-printable character U+0001")]
    public async Task A_syntax_error_comes_back_with_the_compilers_line_and_message(string source, string expected) =>
        Assert.Contains(expected, await _checker.FindProblemAsync(source, Ct), StringComparison.Ordinal);

    [Fact]
    public async Task Code_at_module_level_is_compiled_but_never_run()
    {
        var marker = Path.Combine(Path.GetTempPath(), "checker-ran-" + Guid.NewGuid().ToString("N"));
        var source = $"open({System.Text.Json.JsonSerializer.Serialize(marker)}, 'w').close()\ndef execute(params):\n    return 1\n";

        Assert.Null(await _checker.FindProblemAsync(source, Ct));
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task A_source_too_deeply_nested_to_compile_is_a_problem_not_a_crash()
    {
        var source = "def execute(params):\n    return " + new string('-', 100_000) + "1\n";

        Assert.Contains("too complex to compile", await _checker.FindProblemAsync(source, Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_over_its_time_limit_is_resource_exhausted()
    {
        using var checker = Create(new ScriptCheckerOptions { TimeoutSeconds = 0.001 });

        var e = await Assert.ThrowsAsync<RpcException>(() => checker.FindProblemAsync("def execute(params):\n    return 1\n", Ct));

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task A_missing_interpreter_is_unavailable_not_a_verdict_on_the_script()
    {
        using var checker = Create(new ScriptCheckerOptions { PythonPath = "/nonexistent/python3" });

        var e = await Assert.ThrowsAsync<RpcException>(() => checker.FindProblemAsync("def execute(params):\n    return 1\n", Ct));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }

    [Fact]
    public async Task Checks_in_a_row_and_at_once_each_get_their_own_verdict_after_a_source_that_broke_the_compiler()
    {
        // The checker processes are long-lived: one verdict must never leak into the next check.
        Assert.Contains("too complex to compile", await _checker.FindProblemAsync("x = " + new string('-', 100_000) + "1\n", Ct), StringComparison.Ordinal);
        var sources = Enumerable.Range(0, 60).Select(i => (i % 3) switch
        {
            0 => ($"def execute(params):\n    return {i}\n", (string?)null),
            1 => ($"x = ({i}\n", "'(' was never closed"),
            _ => ($"y = {i}\n", "defines neither execute(params) nor main(params)"),
        }).ToList();

        var verdicts = await Task.WhenAll(sources.Select(s => _checker.FindProblemAsync(s.Item1, Ct)));

        foreach (var ((_, expected), verdict) in sources.Zip(verdicts))
        {
            if (expected is null)
            {
                Assert.Null(verdict);
            }
            else
            {
                Assert.Contains(expected, verdict, StringComparison.Ordinal);
            }
        }
    }
}
