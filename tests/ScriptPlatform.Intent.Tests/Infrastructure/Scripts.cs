using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Intent.Tests.Infrastructure;

/// <summary>Scripts the tests publish to the real Registry.</summary>
public static class Scripts
{
    /// <summary>Adds a and b; declares a cost of $0.01 per item of params["items"] and no network.</summary>
    public static string Adder(string description = "Adds two numbers") =>
        $$$""""
        # /// script
        # requires-python = ">=3.11"
        # dependencies = []
        # [tool.scriptplatform]
        # category = "math"
        # description = "{{{description}}}"
        # cost_per_unit = 0.01
        # cost_unit = "items"
        # timeout = 20
        # [tool.scriptplatform.params]
        # a = { type = "integer", required = true, description = "first operand" }
        # b = { type = "integer", default = 0 }
        # ///
        """{{{description}}}"""

        def execute(params):
            return {"status": "ok", "data": {"sum": params["a"] + params.get("b", 0)}}
        """";

    public static PublishRequest Publish(string name, string version = "1.0.0", string? agentId = null) => new()
    {
        Name = name, Version = version, Content = Adder(), Changelog = "v" + version, AgentId = agentId ?? "",
    };

    /// <summary>A fresh name per test, so tests share the Registry without meeting.</summary>
    public static string UniqueName(string prefix = "math_addition") => $"{prefix}_{Random.Shared.Next(100, 999)}{Guid.NewGuid().ToString("N")[..4]}";
}
