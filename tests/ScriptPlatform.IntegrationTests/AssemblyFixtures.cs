using ScriptPlatform.Testing;

// One Postgres server and one RabbitMQ node for the whole assembly.
[assembly: AssemblyFixture(typeof(PostgresFixture))]
[assembly: AssemblyFixture(typeof(RabbitMqFixture))]
