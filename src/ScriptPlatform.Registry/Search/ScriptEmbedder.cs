using Dapper;
using Npgsql;

namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Embeds scripts that have no vector for the current model and text recipe, in batches, and writes
/// the vectors of record. A publish that changes a script's text deletes its vector in the same
/// transaction, so "no vector" is the one marker of pending work: whoever embeds (the queue right
/// after the commit, the periodic sweep, or the start-up backfill after a crash) finds the same rows.
/// </summary>
public sealed class ScriptEmbedder(NpgsqlDataSource dataSource, SemanticIndex semantic)
{
    /// <summary>Texts per model call: large enough to amortise a call, small enough to keep one batch short.</summary>
    public const int Batch = 64;

    /// <summary>
    /// Embeds the scripts among <paramref name="ids"/> (every script when null) that lack a current
    /// vector; returns the ids whose vectors were written.
    /// </summary>
    public async Task<List<long>> EmbedMissingAsync(IReadOnlyCollection<long>? ids, CancellationToken cancellationToken)
    {
        var written = new List<long>();
        var lastId = 0L;
        while (true)
        {
            List<(long Id, string Name, string Description, string Summary)> rows;
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            {
                rows = (await connection.QueryAsync<(long Id, string Name, string Description, string Summary)>(new CommandDefinition(
                    """
                    SELECT s.id, s.name, s.description, s.summary FROM scripts s
                    LEFT JOIN script_embeddings e ON e.script_id = s.id AND e.model = @model
                    WHERE e.script_id IS NULL AND s.id > @lastId AND (@all OR s.id = ANY(@ids))
                    ORDER BY s.id LIMIT @batch
                    """, new { model = semantic.ModelId, lastId, all = ids is null, ids = ids?.ToArray() ?? [], batch = Batch }, cancellationToken: cancellationToken))).ToList();
            }

            if (rows.Count == 0)
            {
                return written;
            }

            // No connection is held while the model works.
            var vectors = await semantic.EmbedScriptsAsync(rows.Select(r => new ScriptText(r.Name, r.Description, r.Summary)).ToList(), cancellationToken);
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            await using (var tx = await connection.BeginTransactionAsync(cancellationToken))
            {
                for (var i = 0; i < rows.Count; i++)
                {
                    // Written only if the text is still the one embedded: a publish that changed it meanwhile
                    // holds the row lock until its commit, and its own embedding follows.
                    var inserted = await connection.ExecuteScalarAsync<long?>(
                        """
                        INSERT INTO script_embeddings (script_id, model, vector)
                        SELECT s.id, @model, @vector FROM scripts s
                        WHERE s.id = @id AND s.description = @description AND s.summary = @summary FOR SHARE
                        ON CONFLICT (script_id) DO UPDATE SET model = excluded.model, vector = excluded.vector, revision = nextval('embedding_revision')
                        RETURNING script_id
                        """, new { id = rows[i].Id, model = semantic.ModelId, vector = vectors[i], description = rows[i].Description, summary = rows[i].Summary }, tx);
                    if (inserted is not null)
                    {
                        written.Add(rows[i].Id);
                    }
                }

                await tx.CommitAsync(cancellationToken);
            }

            lastId = rows[^1].Id;
        }
    }
}
