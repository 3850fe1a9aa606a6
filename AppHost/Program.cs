using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScriptPlatform.AppHost;

// Content root is the binaries' folder so appsettings.json is found whatever the working directory.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<AppHostOptions>(builder.Configuration.GetSection(AppHostOptions.Section));
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
builder.Services.AddHostedService<PlatformHost>();
await builder.Build().RunAsync();
