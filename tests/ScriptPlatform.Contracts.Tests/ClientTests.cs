using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Contracts.Tests;

public sealed class ClientTests
{
    private static (Type Client, Google.Protobuf.Reflection.ServiceDescriptor Service) Get(string name) =>
        Contracts.Clients.Single(c => c.Client.Name == name);

    [Fact]
    public void Service_full_names_are_the_agreed_ones()
    {
        Assert.Equal("scriptplatform.registry.v1.RegistryService", RegistryService.Descriptor.FullName);
        Assert.Equal("scriptplatform.executor.v1.ExecutorService", ExecutorService.Descriptor.FullName);
        Assert.Equal("scriptplatform.intent.v1.IntentService", IntentService.Descriptor.FullName);
        Assert.Equal("scriptplatform.generation.v1.GenerationService", GenerationService.Descriptor.FullName);
    }

    [Fact]
    public void Every_service_of_every_proto_has_a_generated_client()
    {
        var services = Contracts.Files.SelectMany(f => f.Services).Select(s => s.FullName).Order();
        Assert.Equal(services, Contracts.Clients.Select(c => c.Service.FullName).Order());
    }

    [Theory]
    [InlineData("RegistryServiceClient", "Search Load Publish ListVersions Remove Help NextName Feedback GetStats LinkAgentTool UnlinkAgentTool ListAgentTools CreateApiKey RevokeApiKey ListApiKeys GetScript WhoAmI")]
    [InlineData("ExecutorServiceClient", "Run RunStream SubmitBatch GetBatch Cancel GetExecution ListExecutions RecordRun")]
    [InlineData("GenerationServiceClient", "Generate Update Summarise Embed Classify")]
    [InlineData("IntentServiceClient", "Interpret Confirm GetSession ListPending")]
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
