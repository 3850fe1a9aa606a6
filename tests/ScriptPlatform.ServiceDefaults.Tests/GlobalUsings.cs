global using Grpc.Core;
global using Grpc.Net.Client;
global using ScriptPlatform.ServiceDefaults.Tests.Infrastructure;
global using ScriptPlatform.ServiceDefaults.Tests.Protos;
