using Dapper;
using Npgsql;
using NpgsqlTypes;
using ScriptPlatform.Registry.Search;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Search;

/// <summary>
/// Word evidence is read in .NET from the tsvector Postgres stores; Postgres's own unnesting of the same
/// vector is the oracle: for each query word, its first position anywhere, in the name (weight A) and in
/// description and tags (weight B).
/// </summary>
public sealed class LexicalEvidenceTests(PostgresFixture postgres)
{
    /// <summary>Built as the scripts table's generated column is.</summary>
    private const string Vector =
        "setweight(to_tsvector('english', replace(@name, '_', ' ')), 'A') || setweight(to_tsvector('english', @description), 'B') || " +
        "setweight(to_tsvector('english', @tags), 'B') || setweight(to_tsvector('english', @summary), 'C')";

    public static TheoryData<string, string, string, string, string> Cases => new()
    {
        { "convert csv into json", "data_csv_to_json_001", "Convert a CSV file to JSON", "data", "Reads comma-separated rows and writes JSON." },
        { "convert csv into json", "data_json_to_csv_001", "Convert a JSON file to CSV", "data", "Flattens JSON objects into CSV rows; CSV has a header." },
        { "png pictures as jpeg, resized", "image_png_to_jpg_001", "Convert PNG images to JPEG", "image", "Re-encodes PNG files as JPEG; resizing is not done." },
        { "the and of", "text_stop_words_001", "Only stop words in the query", "text", "Nothing to match." },
        { "café crème 🍰 größe", "text_cafe_001", "Menu of the café: crème brûlée, Größe L", "text food", "Prices per café." },
        { "unzip unzip archive ZIP zip", "unzip_archive_001", "Extract the files of a zip archive", "files", "Unpacks every entry of a .zip file." },
        { "running runs ran", "ops_run_jobs_001", "Runs jobs on a schedule", "ops", "The runner keeps running the jobs." },
        { "e-mail x-ray state-of-the-art", "mail_send_001", "Send an e-mail with state-of-the-art x-ray images", "mail", "E-mail delivery." },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Positions_read_from_the_stored_vector_match_postgres_own_reading(string query, string name, string description, string tags, string summary)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var words = QueryWords.From(await connection.QueryAsync<(int, string, string[]?)>(LexicalEvidence.QueryWordsSql, new { query }));
        var parameters = new { name, description, tags, summary, lexemes = words.Lexemes };

        await using var command = new NpgsqlCommand($"SELECT {Vector}", connection);
        foreach (var (key, value) in new[] { ("name", name), ("description", description), ("tags", tags), ("summary", summary) })
        {
            command.Parameters.AddWithValue(key, value);
        }

        var vector = (NpgsqlTsVector)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        var (anywhere, inName, inDescription) = LexicalEvidence.Positions(words, vector);

        var oracle = await connection.QuerySingleAsync<(int[] Anywhere, int[] Name, int[] Description)>(
            $"""
            WITH v AS (SELECT {Vector} AS v)
            SELECT
                ARRAY(SELECT coalesce((SELECT min(p) FROM unnest(v.v) u, unnest(u.positions) p WHERE u.lexeme = l.l), 0)::int
                      FROM unnest(@lexemes::text[]) WITH ORDINALITY l(l, o) ORDER BY l.o),
                ARRAY(SELECT coalesce((SELECT min(pw.p) FROM unnest(v.v) u, unnest(u.positions, u.weights) pw(p, w) WHERE u.lexeme = l.l AND pw.w = 'A'), 0)::int
                      FROM unnest(@lexemes::text[]) WITH ORDINALITY l(l, o) ORDER BY l.o),
                ARRAY(SELECT coalesce((SELECT min(pw.p) FROM unnest(v.v) u, unnest(u.positions, u.weights) pw(p, w) WHERE u.lexeme = l.l AND pw.w = 'B'), 0)::int
                      FROM unnest(@lexemes::text[]) WITH ORDINALITY l(l, o) ORDER BY l.o)
            FROM v
            """, parameters);

        Assert.Equal(oracle.Anywhere, anywhere);
        Assert.Equal(oracle.Name, inName);
        Assert.Equal(oracle.Description, inDescription);
    }

    [Fact]
    public void Query_words_keep_typing_order_and_mark_directions()
    {
        var words = QueryWords.From([(1, "convert", ["convert"]), (2, " ", null), (3, "csv", ["csv"]), (4, " ", null), (5, "into", []), (6, " ", null), (7, "json", ["json"]), (9, "csv", ["csv"])]);

        Assert.Equal(["convert", "csv", "json"], words.Lexemes);
        Assert.Equal([1, 3, 7], words.TokenNumbers);
        Assert.Equal([5], words.Markers);
    }
}
