using Google.Protobuf;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Intent.Domain;
using ScriptPlatform.Persistence;

namespace ScriptPlatform.Intent.Infrastructure;

/// <summary>A session as stored, with its pending action if it has one.</summary>
public sealed record SessionState(string Id, string AgentId, string CallerHash, PendingAction? Pending);

/// <summary>
/// Sessions and pending actions in Postgres. Every transition is one conditional statement on
/// <c>state = pending</c>, so that when two replicas receive answers for the same card only one
/// acts; a partial unique index keeps one pending action per session.
/// </summary>
public sealed class PendingActionStore(NpgsqlDataSource dataSource)
{
    public const string MigrationPrefix = "ScriptPlatform.Intent.Migrations";
    public const string MigrationLock = "scriptplatform.intent.migrations";

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private const string PendingColumns = "p.id, p.session_id, p.caller_hash, p.agent_id, p.kind, p.state, p.proposal, p.plan, p.created_at, p.expires_at";

    /// <summary>The session and its pending action, or null when no such session exists.</summary>
    public async Task<SessionState?> GetSessionAsync(string sessionId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT s.id, s.agent_id, s.caller_hash, {PendingColumns} FROM sessions s LEFT JOIN pending_actions p ON p.session_id = s.id AND p.state = 1 WHERE s.id = @id");
        command.With("id", sessionId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new SessionState(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : ReadPending(reader, 3));
    }

    /// <summary>Creates a session owned by <paramref name="callerHash"/>; false when the id is taken.</summary>
    public async Task<bool> CreateSessionAsync(string sessionId, string agentId, string callerHash, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO sessions (id, agent_id, caller_hash) VALUES (@id, @agent, @caller) ON CONFLICT (id) DO NOTHING");
        command.With("id", sessionId).With("agent", agentId).With("caller", callerHash);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Stores a new pending action, declining the session's previous one in the same transaction;
    /// returns the id of the one it replaced, if any.
    /// </summary>
    public async Task<Guid?> ProposeAsync(PendingAction pending, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        Guid? replaced = null;
        await using (var decline = new NpgsqlCommand(
            "UPDATE pending_actions SET state = 4, answered_at = @now WHERE session_id = @session AND state = 1 RETURNING id", connection, transaction))
        {
            decline.With("session", pending.SessionId).With("now", pending.CreatedAt);
            replaced = await decline.ExecuteScalarAsync(ct) as Guid?;
        }

        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO pending_actions (id, session_id, caller_hash, agent_id, kind, state, proposal, plan, created_at, expires_at)
            VALUES (@id, @session, @caller, @agent, @kind, 1, @proposal, @plan, @created, @expires)
            """, connection, transaction))
        {
            insert.With("id", pending.Id).With("session", pending.SessionId).With("caller", pending.CallerHash).With("agent", pending.AgentId)
                .With("kind", (int)pending.Kind).With("proposal", pending.Proposal.ToByteArray()).With("created", pending.CreatedAt)
                .With("expires", pending.ExpiresAt);
            insert.Parameters.Add(new NpgsqlParameter("plan", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(pending.Plan, Json) });
            await insert.ExecuteNonQueryAsync(ct);
        }

        await using (var touch = new NpgsqlCommand("UPDATE sessions SET updated_at = @now WHERE id = @session", connection, transaction))
        {
            touch.With("session", pending.SessionId).With("now", pending.CreatedAt);
            await touch.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return replaced;
    }

    /// <summary>
    /// Takes a pending action for execution: succeeds for exactly one caller, only while it is still
    /// pending, unexpired and asked for by its owner.
    /// </summary>
    public async Task<bool> TryClaimAsync(Guid id, string callerHash, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE pending_actions SET state = 6, answered_at = @now WHERE id = @id AND state = 1 AND caller_hash = @caller AND expires_at > @now");
        command.With("id", id).With("caller", callerHash).With("now", now);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Moves a pending (or executing) action to <paramref name="state"/>; false when it had already left that stage.</summary>
    public async Task<bool> SettleAsync(Guid id, PendingState from, PendingState state, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE pending_actions SET state = @state, answered_at = coalesce(answered_at, @now) WHERE id = @id AND state = @from");
        command.With("id", id).With("from", (int)from).With("state", (int)state).With("now", now);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>One pending action by id, in any state.</summary>
    public async Task<PendingAction?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT {PendingColumns} FROM pending_actions p WHERE p.id = @id");
        command.With("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadPending(reader, 0) : null;
    }

    /// <summary>The caller's pending actions, oldest first, optionally of one session or agent.</summary>
    public async Task<IReadOnlyList<PendingAction>> ListPendingAsync(string callerHash, string? sessionId, string? agentId, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {PendingColumns} FROM pending_actions p
            WHERE p.state = 1 AND p.caller_hash = @caller AND (@session::text IS NULL OR p.session_id = @session) AND (@agent::text IS NULL OR p.agent_id = @agent)
            ORDER BY p.created_at, p.id LIMIT @limit
            """);
        command.With("caller", callerHash).With("session", sessionId).With("agent", agentId).With("limit", limit);
        var found = new List<PendingAction>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(ReadPending(reader, 0));
        }

        return found;
    }

    private static PendingAction ReadPending(NpgsqlDataReader reader, int at) => new(
        reader.GetGuid(at),
        reader.GetString(at + 1),
        reader.GetString(at + 2),
        reader.GetString(at + 3),
        (ActionKind)reader.GetInt32(at + 4),
        (PendingState)reader.GetInt32(at + 5),
        ProposedAction.Parser.ParseFrom(reader.GetFieldValue<byte[]>(at + 6)),
        JsonSerializer.Deserialize<ActionPlan>(reader.GetString(at + 7), Json)!,
        reader.GetFieldValue<DateTimeOffset>(at + 8),
        reader.GetFieldValue<DateTimeOffset>(at + 9));
}
