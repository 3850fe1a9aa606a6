using ScriptPlatform.Grpc.Protocol;

namespace ScriptPlatform.Grpc.Client;

/// <summary>One rpc as a client sees it: its names and its absolute URI, computed once per client.</summary>
internal sealed record ClientMethod(GrpcMethod Method, Uri Uri);
