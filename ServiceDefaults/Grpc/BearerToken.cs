using Grpc.Core;

namespace ScriptPlatform.ServiceDefaults.Grpc;

/// <summary>The API key a call carries, as metadata <c>authorization: Bearer &lt;secret&gt;</c>; the same rule for every service.</summary>
public static class BearerToken
{
    public const string Header = "authorization";

    private const string Scheme = "Bearer ";

    /// <summary>Null when the call carries no key; UNAUTHENTICATED when the metadata is not <c>Bearer &lt;secret&gt;</c>.</summary>
    public static string? Secret(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue(Header);
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(header[Scheme.Length..])
            ? header[Scheme.Length..].Trim()
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "the authorization metadata must be 'Bearer <secret>'"));
    }

    /// <summary>Metadata that carries <paramref name="secret"/> on an outgoing call.</summary>
    public static Metadata For(string secret) => new() { { Header, Scheme + secret } };
}
