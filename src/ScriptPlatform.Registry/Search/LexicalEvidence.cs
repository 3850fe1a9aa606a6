using Dapper;
using Npgsql;

namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Word-level evidence for a few candidates, read from their stored tsvector with the same English
/// stemming as full text: which of the query's words each contains (any one, unlike full text's
/// all-words match), and whether the words of its name and description come in the query's order.
/// Order is what separates twins a bag of words cannot: "json to csv" against "csv to json".
/// </summary>
public static class LexicalEvidence
{
    /// <summary>
    /// The query's lexemes in the order they are typed; per candidate the first position of each in
    /// the whole vector, in the name (weight A) and in description and tags (weight B), 0 when absent.
    /// Order is judged within one field: "data csv to json" then "Convert a CSV file to JSON" puts
    /// "convert" after "json" across the two, which says nothing about direction.
    /// </summary>
    private const string Sql =
        """
        WITH q AS (
            SELECT coalesce(array_agg(l ORDER BY o), '{}'::text[]) AS lexemes FROM (
                SELECT u.l, min(d.ord * 1000 + u.i) AS o
                FROM ts_debug('english', @query) WITH ORDINALITY AS d(alias, description, token, dictionaries, dictionary, lexemes, ord),
                     unnest(d.lexemes) WITH ORDINALITY AS u(l, i)
                GROUP BY u.l) x)
        SELECT s.id,
            ARRAY(SELECT coalesce((SELECT min(p) FROM unnest(s.search_vector) v, unnest(v.positions) p WHERE v.lexeme = ql.l), 0)::int
                  FROM unnest(q.lexemes) WITH ORDINALITY ql(l, o) ORDER BY ql.o) AS anywhere,
            ARRAY(SELECT coalesce((SELECT min(pw.p) FROM unnest(s.search_vector) v, unnest(v.positions, v.weights) pw(p, w)
                                   WHERE v.lexeme = ql.l AND pw.w = 'A'), 0)::int
                  FROM unnest(q.lexemes) WITH ORDINALITY ql(l, o) ORDER BY ql.o) AS name,
            ARRAY(SELECT coalesce((SELECT min(pw.p) FROM unnest(s.search_vector) v, unnest(v.positions, v.weights) pw(p, w)
                                   WHERE v.lexeme = ql.l AND pw.w = 'B'), 0)::int
                  FROM unnest(q.lexemes) WITH ORDINALITY ql(l, o) ORDER BY ql.o) AS description
        FROM scripts s, q WHERE s.id = ANY(@ids)
        """;

    /// <summary>Fills <see cref="RankingCandidate.WordOverlap"/> and <see cref="RankingCandidate.Direction"/> of the given candidates.</summary>
    public static async Task AddAsync(NpgsqlConnection connection, string query, IReadOnlyCollection<RankingCandidate> candidates, CancellationToken cancellationToken)
    {
        if (candidates.Count == 0)
        {
            return;
        }

        var byId = candidates.ToDictionary(c => c.Id);
        var rows = await connection.QueryAsync<(long Id, int[] Anywhere, int[] Name, int[] Description)>(
            new CommandDefinition(Sql, new { query, ids = byId.Keys.ToArray() }, cancellationToken: cancellationToken));
        foreach (var (id, anywhere, name, description) in rows)
        {
            byId[id].WordOverlap = Overlap(anywhere);
            byId[id].Direction = Direction(name, description);
        }
    }

    /// <summary>The share of query words present (positions aligned with the query's words, 0 = absent).</summary>
    public static double Overlap(IReadOnlyList<int> positions) =>
        positions.Count == 0 ? 0 : positions.Count(p => p > 0) / (double)positions.Count;

    /// <summary>
    /// In [-1, 1]: over every pair of query words both present in one field, +1 when the field has
    /// them in the query's order, -1 when reversed, averaged over all fields' pairs; 0 without pairs.
    /// </summary>
    public static double Direction(params IReadOnlyList<int>[] fields)
    {
        var agree = 0;
        var pairs = 0;
        foreach (var positions in fields)
        {
            for (var i = 0; i < positions.Count; i++)
            {
                for (var j = i + 1; j < positions.Count; j++)
                {
                    if (positions[i] > 0 && positions[j] > 0 && positions[i] != positions[j])
                    {
                        pairs++;
                        agree += positions[i] < positions[j] ? 1 : -1;
                    }
                }
            }
        }

        return pairs == 0 ? 0 : agree / (double)pairs;
    }
}
