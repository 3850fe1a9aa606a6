using System.CommandLine;
using ScriptPlatform.Cli.Commands;

var root = new RootCommand("sp: find, load, run and publish ScriptPlatform scripts.");
root.Options.Add(CommonOptions.Json);
root.Subcommands.Add(DoctorCommand.Create());
return await root.Parse(args).InvokeAsync();
