using Microsoft.Extensions.Configuration;
using ScriptPlatform.AppHost.Resources;
using ScriptPlatform.Contracts.Grpc;

// The whole platform on one machine: Postgres and RabbitMQ (or the servers given by connection
// strings), every service on its fixed port, Executor workers as replicas, and the Aspire dashboard.
var builder = DistributedApplication.CreateBuilder(args);
var settings = builder.Configuration.GetSection("AppHost");
var data = Path.GetFullPath(settings["DataDirectory"] is { Length: > 0 } configured ? configured : Path.Combine(builder.AppHostDirectory, "..", ".local"));

if (builder.UsesContainers())
{
    builder.UsePodman();
}

var postgres = builder.AddPostgresServer("postgres", Path.Combine(data, "postgres"));
var rabbitmq = builder.AddRabbitMqBroker("rabbitmq", Path.Combine(data, "rabbitmq"));

var registry = builder.AddProject<Projects.ScriptPlatform_Registry>(PlatformServices.Registry)
    .WithGrpcEndpoint(settings.ServicePort(PlatformServices.Registry))
    .WithDatabase(postgres.AddDatabase("registry-db", "registry"))
    .WithBroker(rabbitmq)
    .WithQdrantWhenConfigured();

// Stores nothing; drafts with the model given by the generation-drafting-* parameters, or scaffolds without one.
var generation = builder.AddProject<Projects.ScriptPlatform_Generation>(PlatformServices.Generation)
    .WithGrpcEndpoint(settings.ServicePort(PlatformServices.Generation))
    .WithModelParametersWhenConfigured("drafting")
    .WithModelParametersWhenConfigured("refining")
    .WithModelParametersWhenConfigured("embeddings");

var executorDb = postgres.AddDatabase("executor-db", "executor");
var executor = builder.AddProject<Projects.ScriptPlatform_Executor>(PlatformServices.Executor)
    .WithGrpcEndpoint(settings.ServicePort(PlatformServices.Executor))
    .WithEnvironment("ScriptPlatform__Executor__Role", "Api")
    // Runs without a key on this local, loopback platform (as the dashboard's anonymous access); a key
    // sent is still checked with the Registry and its owner recorded. Off by default in the Executor.
    .WithEnvironment("ScriptPlatform__Executor__AllowAnonymousRuns", settings["AllowAnonymousRuns"] ?? "true")
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

builder.AddProject<Projects.ScriptPlatform_Intent>(PlatformServices.Intent)
    .WithGrpcEndpoint(settings.ServicePort(PlatformServices.Intent))
    .WithDatabase(postgres.AddDatabase("intent-db", "intent"))
    .WithReference(registry).WaitFor(registry)
    .WithReference(executor).WaitFor(executor)
    .WithReference(generation).WaitFor(generation);

builder.Build().Run();
