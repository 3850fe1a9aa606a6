using ScriptPlatform.Registry.Extensions;
using ScriptPlatform.ServiceDefaults;

if (RegistryCommands.IsCommand(args))
{
    return await RegistryCommands.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddRegistry();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapRegistry();
await app.RunAsync();
return 0;
