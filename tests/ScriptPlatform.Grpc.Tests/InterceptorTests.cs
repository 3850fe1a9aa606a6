using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace ScriptPlatform.Grpc.Tests;

public sealed class InterceptorTests
{
    [Fact]
    public async Task Interceptors_run_in_order_around_unary_and_streaming_calls()
    {
        var log = new ConcurrentQueue<string>();
        await using var server = await GrpcTestServer.StartAsync(o =>
        {
            o.Interceptors.Add(new LoggingInterceptor("outer", log));
            o.Interceptors.Add(new LoggingInterceptor("inner", log));
        });

        await server.Client.EchoAsync(new EchoRequest { Message = "x" });
        await foreach (var _ in server.Client.CountAsync(new CountRequest { Count = 1 }, new CallOptions(CancellationToken: TestContext.Current.CancellationToken)))
        {
        }

        Assert.Equal(
            [
                "outer unary /scriptplatform.grpc.test.v1.TestService/Echo", "inner unary /scriptplatform.grpc.test.v1.TestService/Echo", "inner done", "outer done",
                "outer stream /scriptplatform.grpc.test.v1.TestService/Count", "inner stream /scriptplatform.grpc.test.v1.TestService/Count", "inner done", "outer done",
            ],
            log);
    }

    [Fact]
    public async Task Interceptor_can_reject_a_call_with_a_status()
    {
        await using var server = await GrpcTestServer.StartAsync(
            o => o.Interceptors.Add<ApiKeyInterceptor>(),
            services => services.AddSingleton(new ApiKeyInterceptor.Settings("s3cret")));

        var rejected = await Assert.ThrowsAsync<RpcException>(() => server.Client.EchoAsync(new EchoRequest { Message = "anon" }));
        var accepted = await server.Client.EchoAsync(
            new EchoRequest { Message = "authed" }, new CallOptions(Headers: new Metadata().Add("x-api-key", "s3cret")));

        Assert.Equal(StatusCode.Unauthenticated, rejected.StatusCode);
        Assert.Equal(0, server.Recorder.Calls("anon"));
        Assert.Equal("authed", accepted.Message);
    }

    private sealed class LoggingInterceptor(string name, ConcurrentQueue<string> log) : Interceptor
    {
        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
            TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            log.Enqueue($"{name} unary {context.Method}");
            var response = await continuation(request, context);
            log.Enqueue($"{name} done");
            return response;
        }

        public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
            TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        {
            log.Enqueue($"{name} stream {context.Method}");
            await continuation(request, responseStream, context);
            log.Enqueue($"{name} done");
        }
    }

    /// <summary>An auth interceptor created from DI, as a real one would be.</summary>
    private sealed class ApiKeyInterceptor(ApiKeyInterceptor.Settings settings) : Interceptor
    {
        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
            TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
            context.RequestHeaders.GetValue("x-api-key") == settings.Key
                ? continuation(request, context)
                : throw new RpcException(StatusCode.Unauthenticated, "A valid x-api-key header is required.");

        public sealed record Settings(string Key);
    }
}
