global using ScriptPlatform.Grpc.Tests.Infrastructure;
global using ScriptPlatform.Grpc.Tests.Protos;
