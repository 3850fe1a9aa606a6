using Google.Protobuf.Reflection;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace ScriptPlatform.Grpc.Tests;

/// <summary>Reflection is a bidirectional stream: several requests go in one call, one answer each.</summary>
public sealed class ReflectionServiceTests(SharedServer shared) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task Reflection_v1_lists_every_mapped_service()
    {
        var answers = await AskV1(new V1.ServerReflectionRequest { ListServices = "" });

        Assert.Equal(
            ["scriptplatform.grpc.test.v1.TestService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"],
            answers.Single().ListServicesResponse.Service.Select(s => s.Name));
    }

    [Fact]
    public async Task Reflection_v1alpha_lists_services_too()
    {
        var response = await RawGrpc.PostAsync(shared.Server.Address, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            RawGrpc.Frame(new V1Alpha.ServerReflectionRequest { ListServices = "" }));

        var answer = response.Messages(V1Alpha.ServerReflectionResponse.Parser).Single();
        Assert.Contains(answer.ListServicesResponse.Service, s => s.Name == "scriptplatform.grpc.test.v1.TestService");
    }

    [Fact]
    public async Task File_containing_symbol_returns_the_file_and_its_dependencies()
    {
        var answers = await AskV1(
            new V1.ServerReflectionRequest { FileContainingSymbol = "scriptplatform.grpc.test.v1.TestService" },
            new V1.ServerReflectionRequest { FileContainingSymbol = "scriptplatform.grpc.test.v1.TestService.Echo" },
            new V1.ServerReflectionRequest { FileContainingSymbol = "scriptplatform.grpc.test.v1.EchoReply" });

        foreach (var answer in answers)
        {
            var files = answer.FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom).ToArray();
            Assert.Equal("Protos/test.proto", files[0].Name);
            Assert.Contains(files, f => f.Name == "google/protobuf/timestamp.proto");
        }
    }

    [Fact]
    public async Task File_by_filename_returns_that_file()
    {
        var answers = await AskV1(new V1.ServerReflectionRequest { FileByFilename = "google/protobuf/timestamp.proto" });

        var file = FileDescriptorProto.Parser.ParseFrom(answers.Single().FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("google.protobuf", file.Package);
    }

    [Fact]
    public async Task Unknown_symbol_gets_a_not_found_error_response()
    {
        var answers = await AskV1(new V1.ServerReflectionRequest { FileContainingSymbol = "no.such.Thing" });

        Assert.Equal((int)StatusCode.NotFound, answers.Single().ErrorResponse.ErrorCode);
    }

    private async Task<IReadOnlyList<V1.ServerReflectionResponse>> AskV1(params V1.ServerReflectionRequest[] requests)
    {
        var body = requests.SelectMany(r => RawGrpc.Frame(r)).ToArray();
        var response = await RawGrpc.PostAsync(shared.Server.Address, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", body);
        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        return response.Messages(V1.ServerReflectionResponse.Parser);
    }
}
