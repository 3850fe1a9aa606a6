using ScriptPlatform.Generation.Extensions;
using ScriptPlatform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGeneration();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapGeneration();
await app.RunAsync();
