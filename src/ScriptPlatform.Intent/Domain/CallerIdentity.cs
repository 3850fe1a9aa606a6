using System.Security.Cryptography;
using System.Text;
using Grpc.Core;

namespace ScriptPlatform.Intent.Domain;

/// <summary>
/// Who is calling, as Intent sees it: the caller's own <c>authorization</c> metadata, forwarded
/// unchanged to the Registry and the Executor (so Intent never acts with more rights than the caller),
/// and a SHA-256 of it that pending actions are bound to (the key itself is never stored).
/// </summary>
public sealed record CallerIdentity(string? Authorization, string Hash, string Label, DateTime? Deadline, CancellationToken CancellationToken)
{
    public const string AuthorizationHeader = "authorization";

    /// <summary>The hash of an anonymous caller (no key).</summary>
    public const string AnonymousHash = "";

    public bool IsAnonymous => Authorization is null;

    /// <summary>
    /// The <c>caller</c> to ask the Executor to record: with a key, none (the Executor records the key's
    /// owner and refuses to record anyone else for a non-admin key); without one, the label given.
    /// </summary>
    public string RecordedCaller => IsAnonymous ? Label : "";

    public static CallerIdentity From(ServerCallContext context, string? label)
    {
        var authorization = context.RequestHeaders.GetValue(AuthorizationHeader);
        authorization = string.IsNullOrWhiteSpace(authorization) ? null : authorization.Trim();
        var hash = authorization is null ? AnonymousHash : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)));
        var deadline = context.Deadline == DateTime.MaxValue ? (DateTime?)null : context.Deadline;
        return new CallerIdentity(authorization, hash, string.IsNullOrWhiteSpace(label) ? "intent" : label.Trim(), deadline, context.CancellationToken);
    }

    /// <summary>Call options for a downstream call: the caller's key, deadline and cancellation.</summary>
    public CallOptions Downstream() => new(
        headers: Authorization is null ? null : new Metadata { { AuthorizationHeader, Authorization } },
        deadline: Deadline,
        cancellationToken: CancellationToken);
}
