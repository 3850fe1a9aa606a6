using Google.Protobuf.Reflection;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace ScriptPlatform.ServiceDefaults.Tests;

/// <summary>Server reflection (v1 and v1alpha) describes the services mapped with the defaults.</summary>
public sealed class ReflectionTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private GrpcTestServer Server => shared.Server;

    [Fact]
    public async Task List_services_includes_the_test_service_and_health()
    {
        var answer = (await AskV1(new V1.ServerReflectionRequest { ListServices = "" })).Single();

        var names = answer.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.Contains(GrpcTestServer.ServiceName, names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    [Fact]
    public async Task List_services_over_v1alpha_includes_the_test_service()
    {
        using var call = new V1Alpha.ServerReflection.ServerReflectionClient(Server.Channel)
            .ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(30));
        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { ListServices = "" }, TestContext.Current.CancellationToken);
        await call.RequestStream.CompleteAsync();

        Assert.True(await call.ResponseStream.MoveNext(TestContext.Current.CancellationToken));
        Assert.Contains(call.ResponseStream.Current.ListServicesResponse.Service, s => s.Name == GrpcTestServer.ServiceName);
    }

    [Fact]
    public async Task File_containing_symbol_returns_the_test_services_file_and_its_dependencies()
    {
        var answers = await AskV1(
            new V1.ServerReflectionRequest { FileContainingSymbol = GrpcTestServer.ServiceName },
            new V1.ServerReflectionRequest { FileContainingSymbol = GrpcTestServer.ServiceName + ".Echo" },
            new V1.ServerReflectionRequest { FileContainingSymbol = "scriptplatform.defaults.test.v1.EchoReply" });

        Assert.Equal(3, answers.Count);
        foreach (var answer in answers)
        {
            var files = answer.FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom).ToArray();
            var file = Assert.Single(files, f => f.Service.Any(s => s.Name == "TestService"));
            Assert.Equal("scriptplatform.defaults.test.v1", file.Package);
            Assert.Equal(["Echo", "Count", "NotImplemented"], file.Service.Single().Method.Select(m => m.Name));
            Assert.Contains(files, f => f.Name == "google/protobuf/timestamp.proto");
        }
    }

    [Fact]
    public async Task Unknown_symbol_gets_a_not_found_error_response()
    {
        var answer = (await AskV1(new V1.ServerReflectionRequest { FileContainingSymbol = "no.such.Thing" })).Single();

        Assert.Equal((int)StatusCode.NotFound, answer.ErrorResponse.ErrorCode);
    }

    /// <summary>Reflection is a bidirectional stream: several requests in one call, one answer each.</summary>
    private async Task<IReadOnlyList<V1.ServerReflectionResponse>> AskV1(params V1.ServerReflectionRequest[] requests)
    {
        using var call = new V1.ServerReflection.ServerReflectionClient(Server.Channel).ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(30));
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request, TestContext.Current.CancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        var answers = new List<V1.ServerReflectionResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            answers.Add(answer);
        }

        return answers;
    }
}
