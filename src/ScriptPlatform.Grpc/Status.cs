namespace ScriptPlatform.Grpc;

/// <summary>The outcome of a call: a code and a message for people (sent as grpc-status / grpc-message).</summary>
public readonly record struct Status(StatusCode StatusCode, string Detail)
{
    public static readonly Status DefaultSuccess = new(StatusCode.OK, "");
}
