using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Cli.Commands;

namespace ScriptPlatform.Cli.Mcp;

/// <summary><c>sp mcp</c>: an MCP server on stdin/stdout exposing seed 004's tools to agents.</summary>
internal static class McpServerCommand
{
    public static Command Create(CliContext context)
    {
        var command = CommandKit.New("mcp", "Serve search, load, run, publish, help, generate and ask as MCP tools over stdio (for AI agents).",
            "sp mcp   (in an agent's MCP config: {\"command\": \"sp\", \"args\": [\"mcp\"]})");
        command.SetAction(async (_, ct) =>
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            // stdout carries the protocol: nothing else may write there.
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(context.Operations);
            builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "scriptplatform", Version = typeof(McpServerCommand).Assembly.GetName().Version?.ToString() ?? "1.0.0" })
                .WithStdioServerTransport()
                .WithTools<ScriptTools>(CliOutputJson.Options);
            using var host = builder.Build();
            await host.RunAsync(ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
