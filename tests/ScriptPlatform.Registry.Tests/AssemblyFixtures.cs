using ScriptPlatform.Testing;

// One Postgres server and one RabbitMQ node for the whole assembly; each test takes its own database.
[assembly: AssemblyFixture(typeof(PostgresFixture))]
[assembly: AssemblyFixture(typeof(RabbitMqFixture))]
