using Google.Protobuf;

namespace ScriptPlatform.Grpc.Protocol;

/// <summary>The generated parser of a message type, looked up once per type.</summary>
internal static class MessageParsers
{
    public static MessageParser<T> For<T>()
        where T : IMessage<T>, new() => Cache<T>.Parser;

    private static class Cache<T>
        where T : IMessage<T>, new()
    {
        public static readonly MessageParser<T> Parser = (MessageParser<T>)new T().Descriptor.Parser;
    }
}
