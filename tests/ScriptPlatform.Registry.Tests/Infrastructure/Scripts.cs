using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Registry.Tests.Infrastructure;

/// <summary>Script sources and publish requests used across the tests.</summary>
public static class Scripts
{
    public static string Source(string description, string body = "return {\"status\": \"ok\", \"data\": params}", string category = "math") =>
        $$""""
        # /// script
        # requires-python = ">=3.11"
        # dependencies = []
        # [tool.scriptplatform]
        # category = "{{category}}"
        # description = "{{description}}"
        # cost_per_unit = 0.01
        # cost_unit = "items"
        # [tool.scriptplatform.params]
        # a = { type = "integer", required = true, description = "first operand" }
        # b = { type = "integer", default = 0 }
        # ///
        """{{description}}"""

        def execute(params):
            {{body}}
        """";

    public static PublishRequest Publish(string name, string version, string description = "Adds two numbers", string? body = null, string category = "math") => new()
    {
        Name = name,
        Version = version,
        Content = body is null ? Source(description, category: category) : Source(description, body, category),
        Changelog = "v" + version,
    };
}
