using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ScriptPlatform.ServiceDefaults;

internal static class Logging
{
    /// <summary>
    /// One JSON object a line on stdout, so logs stay machine-readable; set
    /// <c>Logging__Console__FormatterName=simple</c> for plain text.
    /// </summary>
    public static void AddStructuredLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddConsole(options => options.FormatterName ??= ConsoleFormatterNames.Json);
        builder.Logging.AddJsonConsole(options =>
        {
            options.IncludeScopes = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            options.UseUtcTimestamp = true;
        });
    }
}
