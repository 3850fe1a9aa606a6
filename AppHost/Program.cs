using Microsoft.Extensions.Configuration;
using ScriptPlatform.AppHost.Resources;
using ScriptPlatform.Contracts.Grpc;

// The whole platform on one machine: Postgres and RabbitMQ (or the servers given by connection
// strings), every service on its fixed port, Executor workers as replicas, and the Aspire dashboard.
var builder = DistributedApplication.CreateBuilder(args);
var settings = builder.Configuration.GetSection("AppHost");
var data = Path.GetFullPath(settings["DataDirectory"] is { Length: > 0 } configured ? configured : Path.Combine(builder.AppHostDirectory, "..", ".local"));

var postgres = builder.AddPostgresServer("postgres", Path.Combine(data, "postgres"));
var rabbitmq = builder.AddRabbitMqBroker("rabbitmq", Path.Combine(data, "rabbitmq"));

var registry = builder.AddProject<Projects.ScriptPlatform_Registry>(PlatformServices.Registry)
    .WithGrpcEndpoint(settings.ServicePort(PlatformServices.Registry))
    .WithDatabase(postgres.AddDatabase("registry-db", "registry"))
    .WithBroker(rabbitmq)
    .WithQdrantWhenConfigured();

var executorDb = postgres.AddDatabase("executor-db", "executor");
var executor = builder.AddProject<Projects.ScriptPlatform_Executor>(PlatformServices.Executor)
    .WithGrpcEndpoint(settings.ServicePort(PlatformServices.Executor))
    .WithEnvironment("ScriptPlatform__Executor__Role", "Api")
    .WithDatabase(executorDb)
    .WithBroker(rabbitmq)
    .WithReference(registry).WaitFor(registry)
    .WithSmokeRunCommand();

builder.AddProject<Projects.ScriptPlatform_Executor>($"{PlatformServices.Executor}-worker")
    .WithGrpcEndpoint(port: null)
    .WithEnvironment("ScriptPlatform__Executor__Role", "Worker")
    .WithDatabase(executorDb)
    .WithBroker(rabbitmq)
    .WithReference(registry).WaitFor(registry)
    .WithReplicas(settings.GetValue("Workers", 2));

// Generation is not in the app model yet: reference it here (WithReference + WaitFor) when its project lands.
builder.AddProject<Projects.ScriptPlatform_Intent>(PlatformServices.Intent)
    .WithGrpcEndpoint(settings.ServicePort(PlatformServices.Intent))
    .WithDatabase(postgres.AddDatabase("intent-db", "intent"))
    .WithReference(registry).WaitFor(registry)
    .WithReference(executor).WaitFor(executor);

builder.Build().Run();
