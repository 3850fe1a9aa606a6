// One platform (Postgres, RabbitMQ, Registry, Executor, Intent) for the whole assembly; each test uses its own names and sessions.
[assembly: AssemblyFixture(typeof(ScriptPlatform.Intent.Tests.Infrastructure.IntentPlatform))]
