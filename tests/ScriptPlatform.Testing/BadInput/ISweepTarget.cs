using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace ScriptPlatform.Testing.BadInput;

/// <summary>A running service as the sweep drives it: the valid request each rpc is swept from, a caller, and what a refusal must leave unchanged.</summary>
public interface ISweepTarget
{
    ServiceDescriptor Service { get; }

    /// <summary>A request <paramref name="rpc"/> accepts, with every swept field set, so a case differs from success in one field only.</summary>
    Task<IMessage> BaseRequestAsync(string rpc);

    /// <summary>
    /// The valid request a case on <paramref name="path"/> changes: by default <see cref="BaseRequestAsync(string)"/>.
    /// A target whose usual request leaves the path's part of a oneof or a list unset (a batch given by
    /// fan-out, not by items) answers one that sets it, so the case still differs from success in one field.
    /// </summary>
    Task<IMessage> BaseRequestAsync(string rpc, string path) => BaseRequestAsync(rpc);

    /// <summary>The status and message of <paramref name="rpc"/>'s answer (OK and "" when it succeeds).</summary>
    Task<(StatusCode Status, string Detail)> CallAsync(string rpc, IMessage request);

    /// <summary>Row counts before a case, once whatever earlier cases started in the background has settled.</summary>
    Task<SortedDictionary<string, long>> SettledRowCountsAsync();

    /// <summary>
    /// What a refused call must leave as it was: the number of rows of every table of the service's
    /// database, or for a service that stores nothing (Generation) the requests its model received.
    /// </summary>
    Task<SortedDictionary<string, long>> RowCountsAsync();
}
