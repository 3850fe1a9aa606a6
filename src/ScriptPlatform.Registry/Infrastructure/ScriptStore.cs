using Dapper;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using NpgsqlTypes;
using ScriptPlatform.Contracts.Auth;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Messages;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Auth;
using ScriptPlatform.Registry.Domain;
using ScriptPlatform.Registry.IntegrationEvents;
using ScriptPlatform.Registry.Search;
using ScriptPlatform.Registry.Versioning;

namespace ScriptPlatform.Registry.Infrastructure;

/// <summary>
/// The registry's writes and reads over Postgres. Every write runs in one transaction (rows, audit
/// entry, counters) so a failure leaves nothing behind; the embedding queue, the vector store and
/// the broker are told only after the commit.
/// </summary>
public sealed class ScriptStore(NpgsqlDataSource dataSource, VectorStoreSynchronizer vectors, EmbeddingQueue embeddings, IRegistryEvents events, TimeProvider time)
{
    static ScriptStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public NpgsqlDataSource DataSource => dataSource;

    // ---- publish ---------------------------------------------------------------------------------

    /// <summary>A validated publish: the request's checks have passed, content is parsed and hashed.</summary>
    public sealed record PublishCommand(
        string Name, SemVersion Version, string Content, string ContentHash, int SizeBytes, string Changelog,
        string? Category, string? Description, IReadOnlyList<string> Tags, string? Summary,
        ScriptPlatform.Sandbox.Metadata.ScriptMetadata Parsed, ScriptMetadata Metadata, SourceTier Source, string? AgentId);

    public async Task<PublishResponse> PublishAsync(PublishCommand cmd, Caller caller, CancellationToken cancellationToken)
    {
        try
        {
            return await PublishOnceAsync(cmd, caller, cancellationToken);
        }
        catch (ConcurrentCreateException)
        {
            // Another publish created the script between our read and insert; the second attempt
            // sees it and applies the usual rules (owner, replay, version order).
            return await PublishOnceAsync(cmd, caller, cancellationToken);
        }
    }

    private sealed class ConcurrentCreateException : Exception;

    private async Task<PublishResponse> PublishOnceAsync(PublishCommand cmd, Caller caller, CancellationToken cancellationToken)
    {
        var summary = cmd.Summary ?? MetadataMapping.DeriveSummary(cmd.Parsed);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var existing = await connection.QuerySingleOrDefaultAsync<ScriptRow>(
            $"SELECT {ScriptRow.Columns} FROM scripts s WHERE s.name = @name FOR UPDATE", new { name = cmd.Name }, tx);
        var created = false;
        if (existing is not null && !caller.CanManage(existing.Owner))
        {
            throw RegistryErrors.PermissionDenied(
                $"script '{cmd.Name}' belongs to '{existing.Owner}'; only its owner or an admin may publish versions of it. Publish under another name (NextName gives a free one)");
        }

        var category = cmd.Category ?? cmd.Parsed.Category ?? existing?.Category ?? ScriptNames.CategoryOf(cmd.Name) ?? "general";
        if (ScriptNames.Validate(category, "category") is { } categoryError)
        {
            throw RegistryErrors.InvalidArgument(categoryError + " (from the script's [tool.scriptplatform] category)");
        }

        var description = cmd.Description ?? cmd.Parsed.Description ?? existing?.Description ?? "";
        if (string.IsNullOrWhiteSpace(summary))
        {
            summary = existing?.Summary ?? "";
        }

        var tags = cmd.Tags.Count > 0 ? cmd.Tags.ToArray() : existing?.Tags ?? [];
        // The model runs after the commit (EmbeddingQueue), never inside a request: a changed text
        // drops the old vector here, in the transaction, which is what marks the script as pending.
        var textChanged = existing is null || new ScriptText(existing.Name, existing.Description, existing.Summary) != new ScriptText(cmd.Name, description, summary);

        long scriptId;
        if (existing is null)
        {
            scriptId = await connection.ExecuteScalarAsync<long?>(
                """
                INSERT INTO scripts (name, category, description, summary, tags, tags_text, owner)
                VALUES (@name, @category, @description, @summary, @tags, @tagsText, @owner)
                ON CONFLICT (name) DO NOTHING RETURNING id
                """,
                new { name = cmd.Name, category, description, summary, tags, tagsText = string.Join(' ', tags), owner = caller.Principal }, tx) ?? 0;
            if (scriptId == 0)
            {
                throw new ConcurrentCreateException();
            }

            created = true;
        }
        else
        {
            scriptId = existing.Id;
            var versions = (await connection.QueryAsync<VersionRow>(
                $"SELECT {VersionRow.Columns} FROM script_versions v WHERE v.script_id = @scriptId", new { scriptId }, tx)).ToList();
            var parsed = versions.Select(v => (Row: v, Version: SemVersion.Parse(v.Version))).ToList();
            var same = parsed.FirstOrDefault(p => p.Version == cmd.Version);
            if (same.Row is not null)
            {
                if (same.Row.ContentHash == cmd.ContentHash)
                {
                    await tx.RollbackAsync(cancellationToken);
                    return new PublishResponse { Version = same.Row.ToInfo(cmd.Name), IdempotentReplay = true, Metadata = cmd.Metadata };
                }

                throw RegistryErrors.AlreadyExists(
                    $"version {same.Row.Version} of '{cmd.Name}' already exists with different content (sha256 {same.Row.ContentHash[..12]}…); versions are immutable: publish a higher version such as {Bump(parsed.Max(p => p.Version)!)}");
            }

            var latest = parsed.Count == 0 ? null : parsed.Max(p => p.Version);
            if (latest is not null && cmd.Version <= latest)
            {
                throw RegistryErrors.FailedPrecondition(
                    $"version {cmd.Version} of '{cmd.Name}' is lower than the latest {latest}; a new version must be greater, for example {Bump(latest)}");
            }

            await connection.ExecuteAsync(
                """
                UPDATE script_versions SET is_latest = false WHERE script_id = @scriptId AND is_latest;
                UPDATE scripts SET category = @category, description = @description, summary = @summary, tags = @tags, tags_text = @tagsText, updated_at = now()
                WHERE id = @scriptId;
                """,
                new { scriptId, category, description, summary, tags, tagsText = string.Join(' ', tags) }, tx);
        }

        var version = await connection.QuerySingleAsync<VersionRow>(
            $"""
            INSERT INTO script_versions AS v (script_id, version, content, content_hash, size_bytes, changelog, is_latest, metadata, published_by)
            VALUES (@scriptId, @version, @content, @hash, @size, @changelog, true, @metadata::jsonb, @by)
            RETURNING {VersionRow.Columns}
            """,
            new
            {
                scriptId,
                version = cmd.Version.Text,
                content = cmd.Content,
                hash = cmd.ContentHash,
                size = cmd.SizeBytes,
                changelog = cmd.Changelog,
                metadata = MetadataMapping.ToJson(cmd.Metadata),
                by = caller.Principal,
            }, tx);

        await connection.ExecuteAsync(
            """
            UPDATE scripts SET latest_version = @version, latest_content_hash = @hash, updated_at = now() WHERE id = @scriptId;
            """,
            new { scriptId, version = cmd.Version.Text, hash = cmd.ContentHash }, tx);
        if (textChanged)
        {
            await connection.ExecuteAsync("DELETE FROM script_embeddings WHERE script_id = @scriptId", new { scriptId }, tx);
        }
        else
        {
            // Same text, same vector; category, tags or agents in the store's payload may have changed.
            await BumpVectorRevisionAsync(connection, tx, scriptId);
        }

        if (ScriptNames.TryParseGenerated(cmd.Name, out var prefix, out var number))
        {
            await connection.ExecuteAsync(
                "INSERT INTO name_counters (prefix, highest) VALUES (@prefix, @number) ON CONFLICT (prefix) DO UPDATE SET highest = GREATEST(name_counters.highest, excluded.highest)",
                new { prefix, number }, tx);
        }

        if (cmd.AgentId is not null)
        {
            await connection.ExecuteAsync(
                "INSERT INTO agent_tools (agent_id, script_id, linked_by) VALUES (@agent, @scriptId, @by) ON CONFLICT DO NOTHING",
                new { agent = cmd.AgentId, scriptId, by = caller.Principal }, tx);
        }

        await Audit.WriteAsync(connection, tx, caller.Principal, "script.publish", cmd.Name,
            new { version = cmd.Version.Text, hash = cmd.ContentHash, source = cmd.Source.ToString(), created, agent = cmd.AgentId }, cancellationToken);
        await tx.CommitAsync(cancellationToken);

        if (textChanged)
        {
            embeddings.Enqueue(scriptId);
        }
        else
        {
            await vectors.RefreshAsync(scriptId, cancellationToken);
        }

        await events.PublishedAsync(new ScriptPublished(cmd.Name, cmd.Version.Text, cmd.ContentHash, category, existing?.Owner ?? caller.Principal, created,
            caller.Principal, time.GetUtcNow()), cancellationToken);
        return new PublishResponse { Version = version.ToInfo(cmd.Name), CreatedScript = created, Metadata = cmd.Metadata };
    }

    /// <summary>The agents filter reads the vector store's payload: a change of a script's agents re-projects its point.</summary>
    private static Task BumpVectorRevisionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long scriptId) =>
        connection.ExecuteAsync("UPDATE script_embeddings SET revision = nextval('embedding_revision') WHERE script_id = @scriptId", new { scriptId }, tx);

    private static string Bump(SemVersion v) => v.IsPrerelease ? $"{v.Major}.{v.Minor}.{v.Patch}" : $"{v.Major}.{v.Minor}.{v.Patch + 1}";

    // ---- load and list ---------------------------------------------------------------------------

    private sealed class LoadRow
    {
        public long VersionId { get; set; }

        public string Content { get; set; } = "";

        public string Metadata { get; set; } = "";
    }

    public async Task<LoadResponse> LoadAsync(string name, VersionRange range, string? expectedHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var script = await GetRowAsync(connection, name, null) ?? throw RegistryErrors.ScriptNotFound(name);
        VersionRow? version;
        if (range.IsLatest)
        {
            version = await connection.QuerySingleOrDefaultAsync<VersionRow>(
                $"SELECT {VersionRow.Columns} FROM script_versions v WHERE v.script_id = @id AND v.is_latest", new { id = script.Id });
        }
        else
        {
            var all = await connection.QueryAsync<VersionRow>($"SELECT {VersionRow.Columns} FROM script_versions v WHERE v.script_id = @id", new { id = script.Id });
            var parsed = all.Select(v => (Row: v, Version: SemVersion.Parse(v.Version))).ToList();
            var best = range.BestMatch(parsed.Select(p => p.Version));
            version = best is null ? null : parsed.First(p => p.Version == best).Row;
            if (version is null)
            {
                var available = string.Join(", ", parsed.Select(p => p.Version).OrderDescending().Take(10));
                throw RegistryErrors.NotFound(range.Exact is not null
                    ? $"script '{name}' has no version {range.Text}; available: {available}"
                    : $"no version of '{name}' satisfies '{range.Text}'; available: {available}");
            }
        }

        if (version is null)
        {
            throw RegistryErrors.NotFound($"script '{name}' has no versions left");
        }

        if (!string.IsNullOrEmpty(expectedHash) && !string.Equals(expectedHash, version.ContentHash, StringComparison.OrdinalIgnoreCase))
        {
            throw RegistryErrors.FailedPrecondition(
                $"{name} {version.Version} has sha256 {version.ContentHash}, not the pinned {expectedHash}: the lockfile is out of date or the content was tampered with; re-pin with 'sp load {name} --update-lock'");
        }

        var body = await connection.QuerySingleAsync<LoadRow>(
            "SELECT id AS version_id, content, metadata::text AS metadata FROM script_versions WHERE id = @id", new { id = version.Id });
        return new LoadResponse
        {
            Version = version.ToInfo(name),
            Content = body.Content,
            Metadata = MetadataMapping.FromJson(body.Metadata),
            Script = script.ToSummary(),
        };
    }

    /// <summary>Latest version in one round trip: the hot path of "load by name".</summary>
    public async Task<LoadResponse?> LoadLatestFastAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT {ScriptRow.Columns}, v.version, v.content_hash, v.size_bytes, v.changelog, v.published_at, v.published_by, v.content, v.metadata::text
            FROM scripts s JOIN script_versions v ON v.script_id = s.id AND v.is_latest WHERE s.name = @name
            """, connection);
        command.Parameters.AddWithValue("name", name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var parser = reader.GetRowParser<ScriptRow>();
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var row = parser(reader);
        const int o = 21;
        return new LoadResponse
        {
            Script = row.ToSummary(),
            Version = new VersionInfo
            {
                Name = name,
                Version = reader.GetString(o),
                ContentHash = reader.GetString(o + 1),
                SizeBytes = reader.GetInt32(o + 2),
                Changelog = reader.GetString(o + 3),
                IsLatest = true,
                PublishedAt = Timestamp.FromDateTime(reader.GetDateTime(o + 4)),
                PublishedBy = reader.GetString(o + 5),
            },
            Content = reader.GetString(o + 6),
            Metadata = MetadataMapping.FromJson(reader.GetString(o + 7)),
        };
    }

    public async Task<ListVersionsResponse> ListVersionsAsync(string name, PageRequest? page, CancellationToken cancellationToken)
    {
        var (offset, limit) = Paging.Read(page);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var script = await GetRowAsync(connection, name, null) ?? throw RegistryErrors.ScriptNotFound(name);
        var all = (await connection.QueryAsync<VersionRow>($"SELECT {VersionRow.Columns} FROM script_versions v WHERE v.script_id = @id", new { id = script.Id }))
            .OrderByDescending(v => SemVersion.Parse(v.Version)).ToList();
        var slice = all.Skip(offset).Take(limit).ToList();
        var response = new ListVersionsResponse { Page = Paging.Write(offset, slice.Count, limit, all.Count) };
        response.Versions.AddRange(slice.Select(v => v.ToInfo(name)));
        return response;
    }

    public async Task<GetScriptResponse> GetScriptAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var script = await GetRowAsync(connection, name, null) ?? throw RegistryErrors.ScriptNotFound(name);
        var latest = await connection.QuerySingleOrDefaultAsync<VersionRow>(
            $"SELECT {VersionRow.Columns} FROM script_versions v WHERE v.script_id = @id AND v.is_latest", new { id = script.Id });
        var metadata = latest is null ? null : await connection.ExecuteScalarAsync<string>("SELECT metadata::text FROM script_versions WHERE id = @id", new { id = latest.Id });
        var agents = await connection.QueryAsync<string>("SELECT agent_id FROM agent_tools WHERE script_id = @id ORDER BY agent_id", new { id = script.Id });
        var response = new GetScriptResponse { Script = script.ToSummary() };
        if (latest is not null)
        {
            response.Latest = latest.ToInfo(name);
            response.LatestMetadata = MetadataMapping.FromJson(metadata ?? "");
        }

        response.AgentIds.AddRange(agents);
        return response;
    }

    private static Task<ScriptRow?> GetRowAsync(NpgsqlConnection connection, string name, NpgsqlTransaction? tx, bool forUpdate = false) =>
        connection.QuerySingleOrDefaultAsync<ScriptRow>($"SELECT {ScriptRow.Columns} FROM scripts s WHERE s.name = @name" + (forUpdate ? " FOR UPDATE" : ""), new { name }, tx);

    // ---- remove ----------------------------------------------------------------------------------

    public async Task<RemoveResponse> RemoveAsync(string name, RemoveMode mode, SemVersion? version, string reason, Caller caller, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var script = await GetRowAsync(connection, name, tx, forUpdate: true) ?? throw RegistryErrors.ScriptNotFound(name);
        if (!caller.CanManage(script.Owner))
        {
            throw RegistryErrors.PermissionDenied($"script '{name}' belongs to '{script.Owner}'; only its owner or an admin may remove it");
        }

        var response = new RemoveResponse { Mode = mode, Name = name };
        var scriptDeleted = false;
        switch (mode)
        {
            case RemoveMode.Deprecate:
                await connection.ExecuteAsync(
                    """
                    UPDATE scripts SET deprecated = true, deprecation_reason = @reason, updated_at = now() WHERE id = @id;
                    UPDATE script_embeddings SET revision = nextval('embedding_revision') WHERE script_id = @id;
                    """, new { id = script.Id, reason }, tx);
                response.LatestVersion = script.LatestVersion ?? "";
                break;

            case RemoveMode.DeleteVersion:
                var versions = (await connection.QueryAsync<VersionRow>($"SELECT {VersionRow.Columns} FROM script_versions v WHERE v.script_id = @id", new { id = script.Id }, tx))
                    .Select(v => (Row: v, Version: SemVersion.Parse(v.Version))).ToList();
                var target = versions.FirstOrDefault(v => v.Version == version);
                if (target.Row is null)
                {
                    throw RegistryErrors.NotFound($"script '{name}' has no version {version}; available: {string.Join(", ", versions.Select(v => v.Version).OrderDescending().Take(10))}");
                }

                await connection.ExecuteAsync("DELETE FROM script_versions WHERE id = @id", new { id = target.Row.Id }, tx);
                response.VersionsDeleted = 1;
                var rest = versions.Where(v => v.Row.Id != target.Row.Id).OrderByDescending(v => v.Version).ToList();
                if (rest.Count == 0)
                {
                    // A script without versions cannot be loaded or run: the last version takes the script with it.
                    await connection.ExecuteAsync("DELETE FROM scripts WHERE id = @id", new { id = script.Id }, tx);
                    scriptDeleted = true;
                }
                else if (target.Row.IsLatest)
                {
                    var next = rest[0].Row;
                    await connection.ExecuteAsync(
                        """
                        UPDATE script_versions SET is_latest = true WHERE id = @vid;
                        UPDATE scripts SET latest_version = @version, latest_content_hash = @hash, updated_at = now() WHERE id = @id;
                        """,
                        new { vid = next.Id, id = script.Id, version = next.Version, hash = next.ContentHash }, tx);
                    response.LatestVersion = next.Version;
                }
                else
                {
                    response.LatestVersion = script.LatestVersion ?? "";
                }

                break;

            case RemoveMode.DeleteScript:
                response.VersionsDeleted = await connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM script_versions WHERE script_id = @id", new { id = script.Id }, tx);
                await connection.ExecuteAsync("DELETE FROM scripts WHERE id = @id", new { id = script.Id }, tx);
                scriptDeleted = true;
                break;

            default:
                throw RegistryErrors.InvalidArgument("mode must be DEPRECATE, DELETE_VERSION or DELETE_SCRIPT");
        }

        if (scriptDeleted)
        {
            // Other replicas and a shared vector store follow deletions through tombstones.
            await connection.ExecuteAsync("INSERT INTO vector_tombstones (script_id) VALUES (@id)", new { id = script.Id }, tx);
        }

        await Audit.WriteAsync(connection, tx, caller.Principal, "script.remove", name, new { mode = mode.ToString(), version = version?.Text, reason }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        await vectors.RefreshAsync(script.Id, cancellationToken);

        await events.RemovedAsync(new ScriptRemoved(name, mode == RemoveMode.DeleteVersion ? version?.Text : null, mode == RemoveMode.Deprecate,
            reason, caller.Principal, time.GetUtcNow()), cancellationToken);
        return response;
    }

    // ---- generated names -------------------------------------------------------------------------

    public async Task<NextNameResponse> NextNameAsync(string prefix, bool reserve, Caller caller, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        int number;
        if (reserve)
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            number = await connection.ExecuteScalarAsync<int>(
                "INSERT INTO name_counters (prefix, highest) VALUES (@prefix, 1) ON CONFLICT (prefix) DO UPDATE SET highest = name_counters.highest + 1 RETURNING highest",
                new { prefix }, tx);
            await Audit.WriteAsync(connection, tx, caller.Principal, "name.reserve", ScriptNames.Format(prefix, number), new { prefix, number }, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        else
        {
            number = (await connection.ExecuteScalarAsync<int?>("SELECT highest FROM name_counters WHERE prefix = @prefix", new { prefix }) ?? 0) + 1;
        }

        var name = ScriptNames.Format(prefix, number);
        if (name.Length > ScriptNames.MaxLength)
        {
            throw RegistryErrors.InvalidArgument($"'{name}' would be longer than {ScriptNames.MaxLength} characters; use a shorter category or task");
        }

        return new NextNameResponse { Name = name, Number = number };
    }

    // ---- feedback and stats ----------------------------------------------------------------------

    public async Task<FeedbackResponse> FeedbackAsync(string name, SemVersion? version, int rating, string comment, string? executionId, Caller caller, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var script = await GetRowAsync(connection, name, tx, forUpdate: true) ?? throw RegistryErrors.ScriptNotFound(name);
        if (version is not null)
        {
            var versions = await connection.QueryAsync<string>("SELECT version FROM script_versions WHERE script_id = @id", new { id = script.Id }, tx);
            if (!versions.Any(v => SemVersion.Parse(v) == version))
            {
                throw RegistryErrors.NotFound($"script '{name}' has no version {version}; rate an existing version or leave version empty");
            }
        }

        await connection.ExecuteAsync(
            "INSERT INTO feedback (script_id, version, rating, comment, execution_id, author) VALUES (@id, @version, @rating, @comment, @executionId, @author)",
            new { id = script.Id, version = version?.Text, rating = (short)rating, comment, executionId, author = caller.Principal }, tx);
        var (sum, count) = await connection.QuerySingleAsync<(long, long)>(
            "UPDATE scripts SET rating_sum = rating_sum + @rating, rating_count = rating_count + 1 WHERE id = @id RETURNING rating_sum, rating_count",
            new { id = script.Id, rating }, tx);
        await Audit.WriteAsync(connection, tx, caller.Principal, "script.feedback", name, new { version = version?.Text, rating, executionId }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new FeedbackResponse { Rating = (double)sum / count, RatingCount = count };
    }

    public async Task<GetStatsResponse> GetStatsAsync(string? name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!string.IsNullOrEmpty(name))
        {
            var script = await GetRowAsync(connection, name, null) ?? throw RegistryErrors.ScriptNotFound(name);
            return new GetStatsResponse { Stats = script.ToStats(), ScriptCount = 1, VersionCount = await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM script_versions WHERE script_id = @id", new { id = script.Id }), DeprecatedCount = script.Deprecated ? 1 : 0 };
        }

        await using var command = new NpgsqlCommand(
            """
            SELECT coalesce(sum(usage_count), 0)::bigint, coalesce(sum(success_count), 0)::bigint, coalesce(sum(total_duration_ms), 0), max(last_used_at),
                   coalesce(sum(rating_sum), 0)::bigint, coalesce(sum(rating_count), 0)::bigint, coalesce(sum(total_cost_usd), 0), coalesce(sum(total_rows_processed), 0)::bigint,
                   count(*), count(*) FILTER (WHERE deprecated), (SELECT count(*) FROM script_versions)
            FROM scripts
            """, connection);
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        await r.ReadAsync(cancellationToken);
        return new GetStatsResponse
        {
            Stats = ScriptRow.Stats(r.GetInt64(0), r.GetInt64(1), r.GetDouble(2), r.IsDBNull(3) ? null : r.GetDateTime(3), r.GetInt64(4), r.GetInt64(5), r.GetDouble(6), r.GetInt64(7)),
            ScriptCount = r.GetInt64(8),
            DeprecatedCount = r.GetInt64(9),
            VersionCount = r.GetInt64(10),
        };
    }

    /// <summary>Counts one finished execution in its script's stats, at most once per execution id.</summary>
    public async Task<RunRecordOutcome> RecordRunAsync(ScriptRunCompleted run, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var fresh = await connection.ExecuteAsync(
            "INSERT INTO processed_executions (execution_id) VALUES (@id) ON CONFLICT DO NOTHING", new { id = run.ExecutionId }, tx);
        if (fresh == 0)
        {
            return RunRecordOutcome.Duplicate;
        }

        var updated = await connection.ExecuteAsync(
            """
            UPDATE scripts SET usage_count = usage_count + 1,
                success_count = success_count + @success,
                total_duration_ms = total_duration_ms + @ms,
                last_used_at = GREATEST(coalesce(last_used_at, @finished), @finished),
                total_cost_usd = total_cost_usd + @cost,
                total_rows_processed = total_rows_processed + @rows
            WHERE name = @name
            """,
            new
            {
                name = run.ScriptName,
                success = run.Status == ExecutionStatus.Success ? 1 : 0,
                ms = run.Duration.TotalMilliseconds,
                finished = run.FinishedAt.UtcDateTime,
                cost = run.CostUsd,
                rows = run.RowsProcessed ?? 0,
            }, tx);
        await tx.CommitAsync(cancellationToken);
        return updated == 0 ? RunRecordOutcome.UnknownScript : RunRecordOutcome.Counted;
    }

    // ---- agents and their tools ------------------------------------------------------------------

    public async Task<LinkAgentToolResponse> LinkAgentToolAsync(string agentId, string name, string selector, Caller caller, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var script = await GetRowAsync(connection, name, tx) ?? throw RegistryErrors.ScriptNotFound(name);
        var inserted = await connection.ExecuteAsync(
            "INSERT INTO agent_tools (agent_id, script_id, version_selector, linked_by) VALUES (@agentId, @id, @selector, @by) ON CONFLICT DO NOTHING",
            new { agentId, id = script.Id, selector, by = caller.Principal }, tx);
        if (inserted > 0)
        {
            await BumpVectorRevisionAsync(connection, tx, script.Id);
            await Audit.WriteAsync(connection, tx, caller.Principal, "agent.link", name, new { agentId, selector }, cancellationToken);
        }

        var tool = await connection.QuerySingleAsync<AgentToolRow>(
            "SELECT agent_id, version_selector, linked_at, linked_by FROM agent_tools WHERE agent_id = @agentId AND script_id = @id", new { agentId, id = script.Id }, tx);
        await tx.CommitAsync(cancellationToken);
        if (inserted > 0)
        {
            await vectors.RefreshAsync(script.Id, cancellationToken);
        }

        return new LinkAgentToolResponse { Tool = tool.ToProto(script), AlreadyLinked = inserted == 0 };
    }

    public async Task<UnlinkAgentToolResponse> UnlinkAgentToolAsync(string agentId, string name, Caller caller, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var script = await GetRowAsync(connection, name, tx) ?? throw RegistryErrors.ScriptNotFound(name);
        var removed = await connection.ExecuteAsync("DELETE FROM agent_tools WHERE agent_id = @agentId AND script_id = @id", new { agentId, id = script.Id }, tx);
        if (removed > 0)
        {
            await BumpVectorRevisionAsync(connection, tx, script.Id);
            await Audit.WriteAsync(connection, tx, caller.Principal, "agent.unlink", name, new { agentId }, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        if (removed > 0)
        {
            await vectors.RefreshAsync(script.Id, cancellationToken);
        }
        return new UnlinkAgentToolResponse { Removed = removed > 0 };
    }

    public async Task<ListAgentToolsResponse> ListAgentToolsAsync(string agentId, PageRequest? page, CancellationToken cancellationToken)
    {
        var (offset, limit) = Paging.Read(page);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var total = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM agent_tools WHERE agent_id = @agentId", new { agentId });
        var rows = await connection.QueryAsync<ScriptRow, AgentToolRow, (ScriptRow, AgentToolRow)>(
            $"""
            SELECT {ScriptRow.Columns}, a.agent_id, a.version_selector, a.linked_at, a.linked_by
            FROM agent_tools a JOIN scripts s ON s.id = a.script_id WHERE a.agent_id = @agentId ORDER BY s.name LIMIT @limit OFFSET @offset
            """,
            (s, a) => (s, a), new { agentId, limit, offset }, splitOn: "agent_id");
        var response = new ListAgentToolsResponse();
        foreach (var (s, a) in rows)
        {
            response.Tools.Add(a.ToProto(s));
        }

        response.Page = Paging.Write(offset, response.Tools.Count, limit, total);
        return response;
    }

    private sealed class AgentToolRow
    {
        public string AgentId { get; set; } = "";

        public string VersionSelector { get; set; } = "";

        public DateTime LinkedAt { get; set; }

        public string LinkedBy { get; set; } = "";

        public AgentTool ToProto(ScriptRow script) => new()
        {
            AgentId = AgentId,
            ScriptName = script.Name,
            VersionSelector = VersionSelector,
            LinkedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(LinkedAt, DateTimeKind.Utc)),
            LinkedBy = LinkedBy,
            Script = script.ToSummary(),
        };
    }
}

/// <summary>What happened to one ScriptRunCompleted event.</summary>
public enum RunRecordOutcome
{
    Counted,
    Duplicate,
    UnknownScript,
}
