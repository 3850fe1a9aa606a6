using System.Reflection;
using Google.Protobuf.Reflection;
using ScriptPlatform.Contracts.Clients;
using ScriptPlatform.Grpc;

namespace ScriptPlatform.Contracts.Tests;

public sealed class ClientTests
{
    public static TheoryData<string> ClientNames() => [.. Contracts.Clients.Select(c => c.Client.Name)];

    private static (Type Client, ServiceDescriptor Service) Get(string name) =>
        Contracts.Clients.Single(c => c.Client.Name == name);

    [Theory]
    [MemberData(nameof(ClientNames))]
    public void Each_typed_client_has_exactly_one_method_per_rpc_of_its_service(string clientName)
    {
        var (client, service) = Get(clientName);
        var methods = client.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName)
            .ToList();

        var expected = service.Methods.Select(m => m.Name + "Async").Order().ToList();
        var actual = methods.Select(m => m.Name).Order().ToList();
        Assert.Equal(expected, actual);

        foreach (var rpc in service.Methods)
        {
            var method = Assert.Single(methods, m => m.Name == rpc.Name + "Async");
            var parameters = method.GetParameters();
            Assert.Equal(2, parameters.Length);
            Assert.Equal(rpc.InputType.ClrType, parameters[0].ParameterType);
            Assert.Equal(typeof(CallOptions), parameters[1].ParameterType);
            Assert.True(parameters[1].HasDefaultValue, $"{method.Name}: options must be optional");

            var expectedReturn = rpc.IsServerStreaming
                ? typeof(IAsyncEnumerable<>).MakeGenericType(rpc.OutputType.ClrType)
                : typeof(Task<>).MakeGenericType(rpc.OutputType.ClrType);
            Assert.Equal(expectedReturn, method.ReturnType);
            Assert.False(rpc.IsClientStreaming, $"{rpc.FullName}: the transport has no client streaming");
        }
    }

    [Theory]
    [MemberData(nameof(ClientNames))]
    public void Each_typed_client_exposes_its_service_descriptor_and_derives_from_the_transport_base(string clientName)
    {
        var (client, service) = Get(clientName);
        var property = client.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static);
        Assert.NotNull(property);
        Assert.Same(service, property.GetValue(null));
        Assert.True(client.IsSubclassOf(typeof(GrpcClientBase)));
        Assert.True(client.IsSealed);
    }

    [Fact]
    public void Service_full_names_are_the_agreed_ones()
    {
        Assert.Equal("scriptplatform.registry.v1.RegistryService", RegistryClient.Descriptor.FullName);
        Assert.Equal("scriptplatform.executor.v1.ExecutorService", ExecutorClient.Descriptor.FullName);
        Assert.Equal("scriptplatform.intent.v1.IntentService", IntentClient.Descriptor.FullName);
        Assert.Equal("scriptplatform.generation.v1.GenerationService", GenerationClient.Descriptor.FullName);
    }

    [Fact]
    public void Every_service_of_every_proto_has_a_typed_client()
    {
        var services = Contracts.Files.SelectMany(f => f.Services).Select(s => s.FullName).Order();
        Assert.Equal(services, Contracts.Clients.Select(c => c.Service.FullName).Order());
    }

    [Theory]
    [InlineData("RegistryClient", "Search Load Publish ListVersions Remove Help NextName Feedback GetStats LinkAgentTool UnlinkAgentTool ListAgentTools CreateApiKey RevokeApiKey ListApiKeys GetScript")]
    [InlineData("ExecutorClient", "Run RunStream SubmitBatch GetBatch Cancel GetExecution ListExecutions")]
    [InlineData("GenerationClient", "Generate Update Summarise Embed")]
    [InlineData("IntentClient", "Interpret Confirm GetSession ListPending")]
    public void Services_cover_every_agreed_operation(string clientName, string rpcs)
    {
        var (_, service) = Get(clientName);
        Assert.Equal(rpcs.Split(' ').Order(), service.Methods.Select(m => m.Name).Order());
    }

    [Fact]
    public void Only_run_stream_is_server_streaming()
    {
        var streaming = Contracts.Files.SelectMany(f => f.Services).SelectMany(s => s.Methods)
            .Where(m => m.IsServerStreaming).Select(m => m.FullName);
        Assert.Equal(["scriptplatform.executor.v1.ExecutorService.RunStream"], streaming);
    }
}
