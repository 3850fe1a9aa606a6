using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Contracts.Clients;
using ScriptPlatform.Grpc;

namespace ScriptPlatform.Contracts.Tests;

/// <summary>
/// The typed clients over the real transport, with an in-memory HTTP handler standing in for the
/// server: each method calls its own rpc path, and only read-only rpcs are retried on UNAVAILABLE.
/// </summary>
public sealed class TransportTests
{
    // Side-effect-free rpcs: reads, plus Summarise and Embed (pure functions of their input).
    private static readonly HashSet<string> Idempotent =
    [
        "Search", "Load", "ListVersions", "Help", "GetStats", "ListAgentTools", "ListApiKeys", "GetScript",
        "GetBatch", "GetExecution", "ListExecutions",
        "Summarise", "Embed",
        "GetSession", "ListPending",
    ];

    public static TheoryData<string, string> UnaryRpcs() =>
        [.. Contracts.Clients.SelectMany(c => c.Service.Methods.Where(m => !m.IsServerStreaming).Select(m => (c.Client.Name, m.Name)))];

    [Theory]
    [MemberData(nameof(UnaryRpcs))]
    public async Task Each_unary_method_posts_to_its_own_rpc_path(string clientName, string rpc)
    {
        var handler = new FakeServer(_ => Ok());
        var (client, method) = Create(clientName, rpc, handler);

        var response = await Invoke(client, method, rpc);

        Assert.IsAssignableFrom(method.OutputType.ClrType, response);
        var request = Assert.Single(handler.Requests);
        Assert.Equal($"/{method.Service.FullName}/{rpc}", request.Path);
        Assert.Equal(HttpMethod.Post, request.Method);
    }

    [Theory]
    [MemberData(nameof(UnaryRpcs))]
    public async Task Only_read_only_rpcs_are_retried_when_the_server_is_unavailable(string clientName, string rpc)
    {
        var handler = new FakeServer(_ => throw new HttpRequestException("connection refused"));
        var (client, method) = Create(clientName, rpc, handler);

        var error = await Assert.ThrowsAsync<RpcException>(() => Invoke(client, method, rpc));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(Idempotent.Contains(rpc) ? 3 : 1, handler.Requests.Count);
    }

    [Fact]
    public async Task Run_stream_yields_every_event_in_order()
    {
        RunStreamEvent[] events =
        [
            new() { Started = new RunStarted { ExecutionId = "e1", ScriptName = "math_addition_001" } },
            new() { Log = new LogLine { Stream = LogStream.Stdout, Text = "adding", Sequence = 1 } },
            new() { Result = new Execution { Id = "e1", Status = Common.V1.ExecutionStatus.Success, DataJson = "{\"sum\":3}" } },
        ];
        var handler = new FakeServer(_ => Ok(events));
        using var channel = Channel(handler);
        var client = new ExecutorClient(channel);

        var received = new List<RunStreamEvent>();
        await foreach (var item in client.RunStreamAsync(new RunRequest { Script = new Common.V1.ScriptRef { Name = "math_addition_001" } }))
        {
            received.Add(item);
        }

        Assert.Equal(events, received);
        Assert.Equal("/scriptplatform.executor.v1.ExecutorService/RunStream", Assert.Single(handler.Requests).Path);
    }

    private static (object Client, MethodDescriptor Method) Create(string clientName, string rpc, FakeServer handler)
    {
        var (type, service) = Contracts.Clients.Single(c => c.Client.Name == clientName);
        var client = Activator.CreateInstance(type, Channel(handler))!;
        return (client, service.Methods.Single(m => m.Name == rpc));
    }

    private static async Task<object> Invoke(object client, MethodDescriptor method, string rpc)
    {
        var request = method.InputType.Parser.ParseFrom(ByteString.Empty);
        var task = (Task)client.GetType().GetMethod(rpc + "Async")!.Invoke(client, [request, null])!;
        await task;
        return task.GetType().GetProperty("Result")!.GetValue(task)!;
    }

    private static GrpcChannel Channel(FakeServer handler) =>
        GrpcChannel.ForAddress("http://registry.test:7103", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxRetryAttempts = 2,
            InitialRetryBackoff = TimeSpan.FromMilliseconds(1),
        });

    /// <summary>An OK gRPC response carrying the given messages (an empty message when none).</summary>
    private static HttpResponseMessage Ok(params IMessage[] messages)
    {
        using var body = new MemoryStream();
        foreach (var message in messages.DefaultIfEmpty(new Google.Protobuf.WellKnownTypes.Empty()))
        {
            var bytes = message.ToByteArray();
            body.WriteByte(0);
            body.Write([(byte)(bytes.Length >> 24), (byte)(bytes.Length >> 16), (byte)(bytes.Length >> 8), (byte)bytes.Length]);
            body.Write(bytes);
        }

        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Version = HttpVersion.Version20,
            Content = new ByteArrayContent(body.ToArray()),
        };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        response.TrailingHeaders.Add("grpc-status", "0");
        return response;
    }

    private sealed class FakeServer(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public List<(HttpMethod Method, string Path)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add((request.Method, request.RequestUri!.AbsolutePath));
            }

            if (request.Content is not null)
            {
                await request.Content.ReadAsByteArrayAsync(cancellationToken);
            }

            return respond(request);
        }
    }
}
