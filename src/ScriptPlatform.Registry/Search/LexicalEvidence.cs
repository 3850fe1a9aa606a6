using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace ScriptPlatform.Registry.Search;

/// <summary>
/// Word-level evidence for the head of a ranking, read from the candidates' stored tsvector with the
/// same English stemming as full text: which of the query's words each contains (any one, unlike
/// full text's all-words match, weighted by rarity among the candidates), and whether its name or
/// description has them in reverse order. Order is what separates twins a bag of words cannot:
/// "json to csv" against "csv to json".
/// <para>
/// Postgres stems the query (<see cref="QueryWordsSql"/>, sent with the full-text query) and the
/// candidates' tsvectors come back with their rows; the positions are read here, so a search costs
/// no extra round trip and Postgres no per-candidate unnesting.
/// </para>
/// </summary>
public static class LexicalEvidence
{
    /// <summary>The query's tokens with their number and lexemes (stemmed as the tsvectors are; stop words have none).</summary>
    public const string QueryWordsSql =
        """
        SELECT d.ord::int, lower(d.token), d.lexemes
        FROM ts_debug('english', @query) WITH ORDINALITY AS d(alias, description, token, dictionaries, dictionary, lexemes, ord)
        """;

    /// <summary>Candidates (at least) whose word evidence is read: enough that no later one could climb into a top 10.</summary>
    public const int Head = 30;

    /// <summary>How many of the ranking's head get word evidence for a page of <paramref name="limit"/>: the evidence weighs little next to similarity, so a candidate further down could not reach the top.</summary>
    public static int HeadFor(int limit) => Math.Max(Head, limit * 3);

    /// <summary>
    /// Fills <see cref="RankingCandidate.WordOverlap"/> and <see cref="RankingCandidate.Direction"/>
    /// for the given head of a ranking, each candidate with its stored tsvector.
    /// </summary>
    public static void Apply(QueryWords words, IReadOnlyList<(RankingCandidate Candidate, NpgsqlTsVector Vector)> head)
    {
        var positions = head.Select(h => Positions(words, h.Vector)).ToList();
        var idf = Idf(positions.Select(p => p.Anywhere).ToList());
        var directed = DirectedPairs(words.TokenNumbers, words.Markers);
        for (var i = 0; i < head.Count; i++)
        {
            head[i].Candidate.WordOverlap = Overlap(positions[i].Anywhere, idf);
            head[i].Candidate.Direction = Direction(directed, positions[i].Name, positions[i].Description);
        }
    }

    /// <summary>
    /// The same evidence for candidates known only by id (the bench's weight sweep): stems the query and
    /// reads the tsvectors of the head of <paramref name="candidates"/>.
    /// </summary>
    public static async Task AddAsync(NpgsqlConnection connection, string query, IReadOnlyCollection<RankingCandidate> candidates, int limit, CancellationToken cancellationToken)
    {
        var head = HybridRanking.Rank(candidates).Take(HeadFor(limit)).ToDictionary(c => c.Id);
        if (head.Count == 0)
        {
            return;
        }

        var words = QueryWords.From(await connection.QueryAsync<(int, string, string[]?)>(new CommandDefinition(QueryWordsSql, new { query }, cancellationToken: cancellationToken)));
        await using var command = new NpgsqlCommand("SELECT id, search_vector FROM scripts WHERE id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", head.Keys.ToArray());
        var vectors = new List<(RankingCandidate, NpgsqlTsVector)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                vectors.Add((head[reader.GetInt64(0)], reader.GetFieldValue<NpgsqlTsVector>(1)));
            }
        }

        Apply(words, vectors);
    }

    /// <summary>
    /// Per query word (in <see cref="QueryWords.Lexemes"/>' order) its first position in the whole
    /// vector, in the name (weight A) and in description and tags (weight B); 0 when absent. Order is
    /// judged within one field: "data csv to json" then "Convert a CSV file to JSON" puts "convert"
    /// after "json" across the two, which says nothing about direction.
    /// </summary>
    public static (int[] Anywhere, int[] Name, int[] Description) Positions(QueryWords words, NpgsqlTsVector vector)
    {
        var count = words.Lexemes.Length;
        var (anywhere, name, description) = (new int[count], new int[count], new int[count]);
        foreach (var lexeme in vector)
        {
            var i = Array.IndexOf(words.Lexemes, lexeme.Text);
            if (i < 0)
            {
                continue;
            }

            for (var p = 0; p < lexeme.Count; p++)
            {
                var (position, weight) = (lexeme[p].Pos, lexeme[p].Weight);
                anywhere[i] = First(anywhere[i], position);
                if (weight == NpgsqlTsVector.Lexeme.Weight.A)
                {
                    name[i] = First(name[i], position);
                }
                else if (weight == NpgsqlTsVector.Lexeme.Weight.B)
                {
                    description[i] = First(description[i], position);
                }
            }
        }

        return (anywhere, name, description);

        static int First(int current, int position) => current == 0 ? position : Math.Min(current, position);
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

/// <summary>
/// The query's words as full text stems them: the distinct lexemes in the order first typed, the
/// token number of each, and the token numbers of "to", "into" and "as" (which mark a direction).
/// </summary>
public sealed record QueryWords(string[] Lexemes, int[] TokenNumbers, int[] Markers)
{
    public static readonly QueryWords None = new([], [], []);

    /// <summary>From the rows of <see cref="LexicalEvidence.QueryWordsSql"/>: (token number, token in lower case, lexemes or null).</summary>
    public static QueryWords From(IEnumerable<(int Ord, string Token, string[]? Lexemes)> tokens)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var markers = new List<int>();
        foreach (var (ord, token, lexemes) in tokens)
        {
            if (token is "to" or "into" or "as")
            {
                markers.Add(ord);
            }

            foreach (var l in lexemes ?? [])
            {
                first[l] = first.TryGetValue(l, out var seen) ? Math.Min(seen, ord) : ord;
            }
        }

        var ordered = first.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToArray();
        return new QueryWords(ordered.Select(p => p.Key).ToArray(), ordered.Select(p => p.Value).ToArray(), [.. markers]);
    }
}
