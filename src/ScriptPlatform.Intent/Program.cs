using ScriptPlatform.Intent.Extensions;
using ScriptPlatform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIntent();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapIntent();
await app.RunAsync();
