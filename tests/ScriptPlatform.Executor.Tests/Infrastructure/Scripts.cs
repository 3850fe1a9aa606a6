using ScriptPlatform.Contracts.Executor.V1;

namespace ScriptPlatform.Executor.Tests.Infrastructure;

/// <summary>Small scripts the tests run.</summary>
public static class Scripts
{
    public const string Add = """
        def execute(params):
            return {"status": "success", "data": {"sum": params["a"] + params["b"]}, "metadata": {"rows_processed": 3}}
        """;

    public const string Raises = """
        def execute(params):
            return 1 / 0
        """;

    public const string Chatty = """
        import sys
        def execute(params):
            for i in range(3):
                print(f"line {i}", flush=True)
            print("oops", file=sys.stderr, flush=True)
            return {"status": "success", "data": "done"}
        """;

    public const string PerUrl = """
        # /// script
        # [tool.scriptplatform]
        # cost_per_unit = 0.25
        # cost_unit = "urls"
        # ///
        def execute(params):
            return {"status": "success", "data": len(params.get("urls", []))}
        """;

    public const string ReportsCost = """
        # /// script
        # [tool.scriptplatform]
        # cost_per_unit = 0.25
        # cost_unit = "urls"
        # ///
        def execute(params):
            return {"status": "success", "data": 1, "metadata": {"cost": 0.07}}
        """;

    public static string Sleeps(double seconds) => $$"""
        import time
        def execute(params):
            print("started", flush=True)
            time.sleep({{seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}})
            return {"status": "success", "data": "slept"}
        """;

    public static RunRequest Inline(string content, string paramsJson = "{}", string caller = "tests") =>
        new() { Inline = new InlineScript { Content = content }, ParamsJson = paramsJson, Caller = caller };
}
