using Dapper;
using Npgsql;

namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Word-level evidence for the head of a ranking, read from the candidates' stored tsvector with the
/// same English stemming as full text: which of the query's words each contains (any one, unlike
/// full text's all-words match, weighted by rarity among the candidates), and whether its name or
/// description has them in reverse order. Order is what separates twins a bag of words cannot:
/// "json to csv" against "csv to json".
/// </summary>
public static class LexicalEvidence
{
    /// <summary>
    /// The query's lexemes in the order they are typed (with the token number of each, and those of
    /// the words "to", "into" and "as" that mark a direction); per candidate the first position of each
    /// lexeme in the whole vector, in the name (weight A) and in description and tags (weight B), 0
    /// when absent.
    /// Order is judged within one field: "data csv to json" then "Convert a CSV file to JSON" puts
    /// "convert" after "json" across the two, which says nothing about direction.
    /// </summary>
    private const string Sql =
        """
        WITH t AS (
            SELECT d.ord::int AS ord, lower(d.token) AS token, d.lexemes
            FROM ts_debug('english', @query) WITH ORDINALITY AS d(alias, description, token, dictionaries, dictionary, lexemes, ord)),
        q AS (
            SELECT coalesce(array_agg(l ORDER BY o, l), '{}'::text[]) AS lexemes, coalesce(array_agg(o ORDER BY o, l), '{}'::int[]) AS ords
            FROM (SELECT u.l, min(t.ord) AS o FROM t, unnest(t.lexemes) AS u(l) GROUP BY u.l) x),
        m AS (SELECT coalesce(array_agg(t.ord), '{}'::int[]) AS markers FROM t WHERE t.token IN ('to', 'into', 'as'))
        SELECT s.id,
            ARRAY(SELECT coalesce((SELECT min(p) FROM unnest(s.search_vector) v, unnest(v.positions) p WHERE v.lexeme = ql.l), 0)::int
                  FROM unnest(q.lexemes) WITH ORDINALITY ql(l, o) ORDER BY ql.o) AS anywhere,
            ARRAY(SELECT coalesce((SELECT min(pw.p) FROM unnest(s.search_vector) v, unnest(v.positions, v.weights) pw(p, w)
                                   WHERE v.lexeme = ql.l AND pw.w = 'A'), 0)::int
                  FROM unnest(q.lexemes) WITH ORDINALITY ql(l, o) ORDER BY ql.o) AS name,
            ARRAY(SELECT coalesce((SELECT min(pw.p) FROM unnest(s.search_vector) v, unnest(v.positions, v.weights) pw(p, w)
                                   WHERE v.lexeme = ql.l AND pw.w = 'B'), 0)::int
                  FROM unnest(q.lexemes) WITH ORDINALITY ql(l, o) ORDER BY ql.o) AS description,
            q.ords, m.markers
        FROM scripts s, q, m WHERE s.id = ANY(@ids)
        """;

    /// <summary>Candidates (at least) whose word evidence is read: enough that no later one could climb into a top 10.</summary>
    public const int Head = 30;

    /// <summary>
    /// Fills <see cref="RankingCandidate.WordOverlap"/> and <see cref="RankingCandidate.Direction"/>
    /// for the head of the ranking without word evidence (max(<see cref="Head"/>, 3 × limit)): the
    /// evidence weighs little next to similarity, so a candidate further down could not reach the top.
    /// </summary>
    public static async Task AddAsync(NpgsqlConnection connection, string query, IReadOnlyCollection<RankingCandidate> candidates, int limit, CancellationToken cancellationToken)
    {
        var head = HybridRanking.Rank(candidates).Take(Math.Max(Head, limit * 3)).ToList();
        if (head.Count == 0)
        {
            return;
        }

        var byId = head.ToDictionary(c => c.Id);
        var rows = (await connection.QueryAsync<(long Id, int[] Anywhere, int[] Name, int[] Description, int[] Ords, int[] Markers)>(
            new CommandDefinition(Sql, new { query, ids = byId.Keys.ToArray() }, cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var idf = Idf(rows.Select(r => r.Anywhere).ToList());
        var directed = DirectedPairs(rows[0].Ords, rows[0].Markers);
        foreach (var (id, anywhere, name, description, _, _) in rows)
        {
            byId[id].WordOverlap = Overlap(anywhere, idf);
            byId[id].Direction = Direction(directed, name, description);
        }
    }

    /// <summary>
    /// A weight per query word from how few of the candidates contain it (ln(1 + n / df)): "regex"
    /// in one candidate tells more than "json" in twenty; a word in none weighs nothing.
    /// </summary>
    public static double[] Idf(IReadOnlyList<int[]> candidates)
    {
        var words = candidates.Count == 0 ? 0 : candidates[0].Length;
        var idf = new double[words];
        for (var i = 0; i < words; i++)
        {
            var df = candidates.Count(c => c[i] > 0);
            idf[i] = df == 0 ? 0 : Math.Log(1 + (candidates.Count / (double)df));
        }

        return idf;
    }

    /// <summary>The weighted share of the query's words present (positions aligned with the query's words, 0 = absent).</summary>
    public static double Overlap(IReadOnlyList<int> positions, IReadOnlyList<double> idf)
    {
        double present = 0, total = 0;
        for (var i = 0; i < positions.Count; i++)
        {
            total += idf[i];
            present += positions[i] > 0 ? idf[i] : 0;
        }

        return total == 0 ? 0 : present / total;
    }

    /// <summary>
    /// Which pairs of query words state a direction: those with "to", "into" or "as" between them
    /// ("csv into json", "png pictures as jpeg"). Without such a word, order is only phrasing ("unpack
    /// a zip file" against "Extract the files of a zip archive") and says nothing.
    /// </summary>
    public static bool[,] DirectedPairs(IReadOnlyList<int> tokenNumbers, IReadOnlyList<int> markers)
    {
        var directed = new bool[tokenNumbers.Count, tokenNumbers.Count];
        for (var i = 0; i < tokenNumbers.Count; i++)
        {
            for (var j = i + 1; j < tokenNumbers.Count; j++)
            {
                var (from, to) = (tokenNumbers[i], tokenNumbers[j]);
                directed[i, j] = markers.Any(m => m > from && m < to);
            }
        }

        return directed;
    }

    /// <summary>
    /// In [-1, 0]: evidence against a candidate whose name or description holds a directed pair of the
    /// query's words in reverse order ("json ... csv" for "csv to json"): per field, minus the share of
    /// directed pairs (both words present in that field) it has the other way round; the most reversed
    /// field counts, so a name that states the opposite direction is not diluted elsewhere. Pairs in
    /// the query's order are no evidence for: most texts that share two words with a query share their
    /// order too.
    /// </summary>
    public static double Direction(bool[,] directed, params IReadOnlyList<int>[] fields)
    {
        var direction = 0.0;
        foreach (var positions in fields)
        {
            var reversed = 0;
            var pairs = 0;
            for (var i = 0; i < positions.Count; i++)
            {
                for (var j = i + 1; j < positions.Count; j++)
                {
                    if (directed[i, j] && positions[i] > 0 && positions[j] > 0 && positions[i] != positions[j])
                    {
                        pairs++;
                        reversed += positions[i] > positions[j] ? 1 : 0;
                    }
                }
            }

            direction = Math.Min(direction, pairs == 0 ? 0 : -reversed / (double)pairs);
        }

        return direction;
    }
}
