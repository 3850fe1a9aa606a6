using ScriptPlatform.Cli;
using ScriptPlatform.Cli.Infrastructure;

return await SpApp.RunAsync(args, CliEnvironment.FromProcess());
