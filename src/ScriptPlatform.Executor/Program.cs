using ScriptPlatform.Executor.Extensions;
using ScriptPlatform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddExecutor();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapExecutor();
await app.RunAsync();
