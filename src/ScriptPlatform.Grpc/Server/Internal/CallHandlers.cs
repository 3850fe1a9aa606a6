using Google.Protobuf;
using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc.Server.Internal;

// One handler per rpc shape. Each builds its interceptor chain once; the innermost step gets the
// service instance for the call and invokes the method through a compiled open-instance delegate.

internal sealed class UnaryCallHandler<TService, TRequest, TResponse> : ServerCallHandler
    where TService : class
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private readonly MessageParser<TRequest> _parser;
    private readonly UnaryServerMethod<TRequest, TResponse> _pipeline;

    public UnaryCallHandler(ServerMethodSetup setup, ServiceActivator<TService> activator, Func<TService, TRequest, ServerCallContext, Task<TResponse>> method)
        : base(setup)
    {
        _parser = MessageParsers.For<TRequest>();
        UnaryServerMethod<TRequest, TResponse> pipeline = (request, context) => method(activator.Create(context.GetHttpContext()), request, context);
        foreach (var interceptor in setup.Interceptors.Reverse())
        {
            var next = pipeline;
            pipeline = (request, context) => interceptor.UnaryServerHandler(request, context, next);
        }

        _pipeline = pipeline;
    }

    protected override async Task HandleAsync(HttpContextServerCallContext context)
    {
        var request = await PipeMessageReader.ReadSingleAsync(context.GetHttpContext().Request.BodyReader, _parser, context).ConfigureAwait(false);
        var response = await _pipeline(request, context).ConfigureAwait(false);
        WriteSingleResponse(context, response);
    }
}

internal sealed class ServerStreamingCallHandler<TService, TRequest, TResponse> : ServerCallHandler
    where TService : class
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private readonly MessageParser<TRequest> _parser;
    private readonly ServerStreamingServerMethod<TRequest, TResponse> _pipeline;

    public ServerStreamingCallHandler(
        ServerMethodSetup setup, ServiceActivator<TService> activator, Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> method)
        : base(setup)
    {
        _parser = MessageParsers.For<TRequest>();
        ServerStreamingServerMethod<TRequest, TResponse> pipeline =
            (request, writer, context) => method(activator.Create(context.GetHttpContext()), request, writer, context);
        foreach (var interceptor in setup.Interceptors.Reverse())
        {
            var next = pipeline;
            pipeline = (request, writer, context) => interceptor.ServerStreamingServerHandler(request, writer, context, next);
        }

        _pipeline = pipeline;
    }

    protected override async Task HandleAsync(HttpContextServerCallContext context)
    {
        var request = await PipeMessageReader.ReadSingleAsync(context.GetHttpContext().Request.BodyReader, _parser, context).ConfigureAwait(false);
        await _pipeline(request, new PipeStreamWriter<TResponse>(context), context).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingCallHandler<TService, TRequest, TResponse> : ServerCallHandler
    where TService : class
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private readonly MessageParser<TRequest> _parser;
    private readonly ClientStreamingServerMethod<TRequest, TResponse> _pipeline;

    public ClientStreamingCallHandler(
        ServerMethodSetup setup, ServiceActivator<TService> activator, Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> method)
        : base(setup)
    {
        _parser = MessageParsers.For<TRequest>();
        ClientStreamingServerMethod<TRequest, TResponse> pipeline = (reader, context) => method(activator.Create(context.GetHttpContext()), reader, context);
        foreach (var interceptor in setup.Interceptors.Reverse())
        {
            var next = pipeline;
            pipeline = (reader, context) => interceptor.ClientStreamingServerHandler(reader, context, next);
        }

        _pipeline = pipeline;
    }

    protected override async Task HandleAsync(HttpContextServerCallContext context)
    {
        var response = await _pipeline(new PipeStreamReader<TRequest>(context, _parser), context).ConfigureAwait(false);
        WriteSingleResponse(context, response);
    }
}

internal sealed class DuplexStreamingCallHandler<TService, TRequest, TResponse> : ServerCallHandler
    where TService : class
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private readonly MessageParser<TRequest> _parser;
    private readonly DuplexStreamingServerMethod<TRequest, TResponse> _pipeline;

    public DuplexStreamingCallHandler(
        ServerMethodSetup setup,
        ServiceActivator<TService> activator,
        Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> method)
        : base(setup)
    {
        _parser = MessageParsers.For<TRequest>();
        DuplexStreamingServerMethod<TRequest, TResponse> pipeline =
            (reader, writer, context) => method(activator.Create(context.GetHttpContext()), reader, writer, context);
        foreach (var interceptor in setup.Interceptors.Reverse())
        {
            var next = pipeline;
            pipeline = (reader, writer, context) => interceptor.DuplexStreamingServerHandler(reader, writer, context, next);
        }

        _pipeline = pipeline;
    }

    protected override Task HandleAsync(HttpContextServerCallContext context) =>
        _pipeline(new PipeStreamReader<TRequest>(context, _parser), new PipeStreamWriter<TResponse>(context), context);
}

/// <summary>Answers an rpc of a mapped service that the implementation has no method for.</summary>
internal sealed class UnimplementedCallHandler(ServerMethodSetup setup) : ServerCallHandler(setup)
{
    protected override Task HandleAsync(HttpContextServerCallContext context) =>
        throw new RpcException(StatusCode.Unimplemented, $"Method {Method.Path} is unimplemented.");
}
