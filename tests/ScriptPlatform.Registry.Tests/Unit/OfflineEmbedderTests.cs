using ScriptPlatform.Registry.Search.Embeddings;

namespace ScriptPlatform.Registry.Tests.Unit;

public class OfflineEmbedderTests
{
    private readonly OfflineEmbedder _embedder = new(256);

    private float Cosine(string a, string b)
    {
        var x = _embedder.Embed(a);
        var y = _embedder.Embed(b);
        return x.Zip(y, (p, q) => p * q).Sum();
    }

    [Fact]
    public void Vectors_are_unit_length_and_deterministic()
    {
        var a = _embedder.Embed("Resize every image in a folder");
        var b = new OfflineEmbedder(256).Embed("Resize every image in a folder");
        Assert.Equal(a, b);
        Assert.Equal(1.0, Math.Sqrt(a.Sum(v => v * v)), 4);
    }

    [Fact]
    public void Text_without_content_words_embeds_as_a_zero_vector() =>
        Assert.All(_embedder.Embed("the of and"), v => Assert.Equal(0f, v));

    [Fact]
    public void A_paraphrase_is_closer_than_an_unrelated_description()
    {
        const string script = "Download a web page and extract every hyperlink";
        var paraphrase = Cosine(script, "fetch the links found on a website");
        var unrelated = Cosine(script, "convert a temperature from celsius to fahrenheit");
        Assert.True(paraphrase > unrelated + 0.1, $"paraphrase {paraphrase:F3} vs unrelated {unrelated:F3}");
    }

    [Fact]
    public void Spelling_variants_and_inflections_stay_close()
    {
        Assert.True(Cosine("summarising reports", "summarize report") > 0.5);
        Assert.True(Cosine("resized images", "resize image") > 0.7);
    }

    [Fact]
    public void Identifiers_in_snake_and_camel_case_are_split_into_words() =>
        Assert.True(Cosine("parseCsvFile", "parse csv file") > 0.9 && Cosine("parse_csv_file", "parse csv file") > 0.9);

    [Fact]
    public void Two_words_meet_their_closed_compound()
    {
        var compound = Cosine("rename every file name in a folder", "change filenames");
        var unrelated = Cosine("rename every file name in a folder", "change temperatures");
        Assert.True(compound > unrelated + 0.1, $"compound {compound:F3} vs unrelated {unrelated:F3}");
    }
}
