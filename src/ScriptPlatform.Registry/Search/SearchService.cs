using Dapper;
using Npgsql;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Domain;
using ScriptPlatform.Registry.Infrastructure;
using NpgsqlTypes;

namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Hybrid search: Postgres full text (weighted tsvector, websearch syntax) and the vector store
/// run side by side, <see cref="HybridRanking"/> orders the candidates by similarity plus word
/// evidence (never letting a full-text-only match pass a semantic hit), and the winners are read
/// back with every filter applied in one query.
/// </summary>
public sealed class SearchService(NpgsqlDataSource dataSource, SemanticIndex semantic)
{
    /// <summary>Candidates taken from each signal before fusion.</summary>
    public const int CandidatesPerSignal = 50;

    /// <summary>Below this cosine similarity a semantic neighbour is noise, not a match.</summary>
    public const float MinSimilarity = 0.05f;

    /// <summary>Cap on full-text matches ranked per query, to bound the cost of very common words.</summary>
    private const int MatchCap = 2000;

    public async Task<SearchResponse> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        var limit = request.Limit <= 0 ? 10 : Math.Min(request.Limit, 100);
        var mode = request.Mode == SearchMode.Unspecified ? SearchMode.Hybrid : request.Mode;
        var query = request.Query.Trim();
        var useFullText = mode != SearchMode.Semantic && query.Length > 0;
        var useSemantic = mode != SearchMode.FullText && query.Length > 0;
        var category = string.IsNullOrEmpty(request.Category) ? null : request.Category;
        // Filters the index cannot apply mean some neighbours drop out later; ask for more.
        var extraFilters = request.Tags.Count > 0 || !string.IsNullOrEmpty(request.AgentId);
        var pool = Math.Max(CandidatesPerSignal, limit * 3) * (extraFilters ? 4 : 1);

        // Full text (with the query's stemmed words, for word evidence) goes out first; the vector scan
        // runs on this thread while Postgres works.
        var hybrid = useFullText && useSemantic;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var textTask = useFullText ? TextSignalsAsync(connection, request, query, category, pool, hybrid) : Task.FromResult((new List<FullTextHit>(), QueryWords.None));
        List<VectorHit> semanticHits;
        try
        {
            semanticHits = useSemantic ? await SemanticAsync(request, query, category, pool, cancellationToken) : [];
        }
        catch
        {
            // The full-text query is still reading this connection: disposing the connection under it
            // leaves both waiting on the same socket for ever, so it finishes (or fails) first.
            await Task.WhenAny(textTask);
            throw;
        }

        var (fullText, words) = await textTask;
        var candidates = HybridRanking.Candidates(semanticHits, fullText.Select(f => (f.Id, f.Rank)).ToList());
        var weights = mode == SearchMode.FullText ? HybridRanking.FullTextOnly : HybridRanking.Weights;
        var ranked = HybridRanking.Rank(candidates, weights);
        // The rows of the head that word evidence can still reorder (a short head without it). Category
        // and deprecation are already applied by both signals; tag and agent filters can still drop
        // candidates, and only this query sees them, so with those every candidate is read.
        var head = hybrid ? LexicalEvidence.HeadFor(limit) : limit * 2;
        var rows = await RowsAsync(connection, request, query, category, ranked.Take(extraFilters ? ranked.Count : head).Select(c => c.Id).ToArray(), cancellationToken);
        if (hybrid)
        {
            LexicalEvidence.Apply(words, ranked.Where(c => rows.ContainsKey(c.Id)).Take(head).Select(c => (c, rows[c.Id].Words)).ToList());
            ranked = HybridRanking.Rank(candidates, weights);
        }

        var ftById = fullText.ToDictionary(f => f.Id);
        var hits = new List<SearchHit>();
        var exact = rows.Values.Select(r => r.Row).FirstOrDefault(r => r.Name == query);
        if (exact is not null)
        {
            var hit = BuildHit(exact, ranked.FirstOrDefault(f => f.Id == exact.Id), ftById);
            hit.MatchedSignals.Insert(0, SearchSignal.ExactName);
            // An exact name outranks everything: one more than the best possible fused score.
            hit.Score = 1 + HybridRanking.MaxScore(HybridRanking.Weights);
            hits.Add(hit);
        }

        foreach (var item in ranked)
        {
            if (hits.Count >= limit)
            {
                break;
            }

            if (rows.TryGetValue(item.Id, out var row) && row.Row != exact)
            {
                hits.Add(BuildHit(row.Row, item, ftById));
            }
        }

        var response = new SearchResponse { Mode = mode };
        response.Hits.AddRange(hits.Take(limit));
        return response;
    }

    private async Task<List<VectorHit>> SemanticAsync(SearchRequest request, string query, string? category, int pool, CancellationToken cancellationToken)
    {
        var vector = await semantic.EmbedQueryAsync(query, cancellationToken);
        var filter = new VectorFilter(category, request.IncludeDeprecated, request.Tags, string.IsNullOrEmpty(request.AgentId) ? null : request.AgentId);
        try
        {
            return (await semantic.Store.SearchAsync(vector, pool, filter, cancellationToken)).Where(h => h.Similarity >= MinSimilarity).ToList();
        }
        catch (VectorStoreUnavailableException e)
        {
            // Never a silently shorter list: the caller learns that meaning-based search is down.
            throw RegistryErrors.Unavailable($"{e.Message}; retry shortly, or search with mode FULL_TEXT meanwhile");
        }
    }

    private static SearchHit BuildHit(ScriptRow row, RankingCandidate? item, Dictionary<long, FullTextHit> ft)
    {
        var hit = new SearchHit { Script = row.ToSummary(), Score = item?.Score ?? 0, Source = SourceTier.Registry };
        if (item is not null)
        {
            hit.FullTextRank = item.FullTextRank;
            hit.SemanticRank = item.SemanticRank;
        }

        if (ft.TryGetValue(row.Id, out var f))
        {
            hit.MatchedSignals.Add(SearchSignal.FullText);
            hit.FullTextScore = f.Rank;
        }

        if (item?.Similarity is { } similarity)
        {
            hit.MatchedSignals.Add(SearchSignal.Semantic);
            hit.SemanticSimilarity = similarity;
        }

        return hit;
    }

    private sealed record FullTextHit(long Id, double Rank);

    /// <summary>
    /// The candidates' rows with every filter applied, each with its stored tsvector (word evidence);
    /// the exact name always makes the list, even when neither signal ranked it.
    /// </summary>
    private static async Task<Dictionary<long, (ScriptRow Row, NpgsqlTsVector Words)>> RowsAsync(
        NpgsqlConnection connection, SearchRequest request, string query, string? category, long[] ids, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT {ScriptRow.Columns}, s.search_vector FROM scripts s
            WHERE s.id = ANY(@ids || ARRAY(SELECT x.id FROM scripts x WHERE x.name = @query))
              AND (@category::text IS NULL OR s.category = @category)
              AND (@deprecated OR NOT s.deprecated)
              AND s.tags @> @tags
              AND (@agent = '' OR EXISTS (SELECT 1 FROM agent_tools a WHERE a.script_id = s.id AND a.agent_id = @agent))
            """,
            connection);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("query", query);
        command.Parameters.Add(new NpgsqlParameter<string?>("category", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = category });
        command.Parameters.AddWithValue("deprecated", request.IncludeDeprecated);
        command.Parameters.AddWithValue("tags", request.Tags.ToArray());
        command.Parameters.AddWithValue("agent", request.AgentId);
        var rows = new Dictionary<long, (ScriptRow, NpgsqlTsVector)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var words = reader.FieldCount - 1;
        var parse = reader.GetRowParser<ScriptRow>(startIndex: 0, length: words);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = parse(reader);
            rows[row.Id] = (row, reader.GetFieldValue<NpgsqlTsVector>(words));
        }

        return rows;
    }

    /// <summary>
    /// websearch_to_tsquery as typed: every word must match (quoted phrases, "or", -exclusions as
    /// written). Paraphrases that share few words are the semantic signal's job. An any-word
    /// fallback was measured (bench/registry) and dropped: it lowered hybrid Recall@5 below semantic
    /// alone (0.77 vs 0.80) and cost about 8 ms per query. Very common words can match most rows,
    /// so at most <see cref="MatchCap"/> matches are ranked, which bounds the latency. For a hybrid
    /// search the query's stemmed words (<see cref="LexicalEvidence.QueryWordsSql"/>) come back in the
    /// same round trip.
    /// </summary>
    private static async Task<(List<FullTextHit> Hits, QueryWords Words)> TextSignalsAsync(
        NpgsqlConnection connection, SearchRequest request, string query, string? category, int pool, bool withWords)
    {
        const string fullText =
            """
            WITH q AS (SELECT websearch_to_tsquery('english', @query) AS q),
            matched AS (
                SELECT s.id, s.search_vector FROM scripts s, q
                WHERE s.search_vector @@ q.q AND (@category::text IS NULL OR s.category = @category) AND (@deprecated OR NOT s.deprecated)
                LIMIT @cap)
            SELECT m.id, ts_rank_cd('{0.1, 0.2, 0.6, 1.0}', m.search_vector, q.q) FROM matched m, q
            ORDER BY 2 DESC, m.id LIMIT @pool
            """;
        await using var results = await connection.QueryMultipleAsync(
            withWords ? $"{fullText};\n{LexicalEvidence.QueryWordsSql}" : fullText,
            new { query, category, deprecated = request.IncludeDeprecated, pool, cap = MatchCap });
        var hits = (await results.ReadAsync<(long Id, float Rank)>()).Select(r => new FullTextHit(r.Id, r.Rank)).ToList();
        var words = withWords ? QueryWords.From(await results.ReadAsync<(int, string, string[]?)>()) : QueryWords.None;
        return (hits, words);
    }
}
