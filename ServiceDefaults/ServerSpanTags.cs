using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ScriptPlatform.ServiceDefaults;

/// <summary>
/// ASP.NET Core's own server activity carries no tags without the instrumentation package; this adds
/// the semantic-convention ones that traces are searched by.
/// </summary>
internal sealed class ServerSpanTagsStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            var activity = Activity.Current;
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag("http.request.method", context.Request.Method);
                activity.SetTag("url.path", context.Request.Path.Value);
                activity.SetTag("network.protocol.version", context.Request.Protocol);
            }
            await nextMiddleware(context);
            activity?.SetTag("http.response.status_code", context.Response.StatusCode);
        });
        next(app);
    };
}
