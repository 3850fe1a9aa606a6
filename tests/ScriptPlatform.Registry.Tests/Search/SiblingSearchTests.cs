using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;

namespace ScriptPlatform.Registry.Tests.Search;

/// <summary>
/// Confusable siblings (a script and its inverse or near twin) in the real Registry with the real
/// model: a query that names a direction or a specific must get the right twin first, although both
/// twins share nearly every word and most of their meaning.
/// </summary>
public sealed class SiblingSearchTests(PostgresFixture postgres)
{
    private static readonly (string Name, string Category, string Description, string Summary)[] Twins =
    [
        ("data_csv_to_json_001", "data", "Convert a CSV file to JSON", "Reads comma-separated rows and writes one JSON object per row, using the header as keys."),
        ("data_json_to_csv_001", "data", "Convert a JSON file to CSV", "Flattens an array of JSON objects into comma-separated rows with a header line."),
        ("zip_folder_001", "files", "Compress a folder into a zip archive", "Walks a directory and writes every file into one .zip file with deflate compression."),
        ("unzip_archive_001", "files", "Extract the files of a zip archive into a folder", "Unpacks every entry of a .zip file into a target directory, keeping the folder structure."),
        ("encrypt_file_001", "security", "Encrypt a file with a password", "Derives a key from the password and encrypts the file with AES-GCM."),
        ("decrypt_file_001", "security", "Decrypt a password-protected file", "Derives the key from the password and decrypts an AES-GCM encrypted file back to plain bytes."),
        ("image_resize_001", "image", "Resize photos so none is wider than a maximum width", "Scales JPEG and PNG files down proportionally, keeping the aspect ratio."),
        ("image_crop_001", "image", "Crop an image to a rectangle", "Cuts the given rectangle out of a picture and discards the rest."),
        ("audio_convert_001", "audio", "Convert WAV audio to MP3", "Encodes an uncompressed WAV recording as MP3 at a chosen bit rate."),
        ("audio_mp3_to_wav_001", "audio", "Convert MP3 audio to WAV", "Decodes an MP3 file into uncompressed WAV audio."),
        ("binary_convert_001", "math", "Convert a decimal number to binary", "Writes an integer in base two."),
        ("binary_to_decimal_001", "math", "Convert a binary number to decimal", "Reads a string of ones and zeros and returns its base ten value."),
        ("image_png_to_jpg_001", "image", "Convert PNG images to JPEG", "Re-encodes PNG files as JPEG with a chosen quality."),
        ("image_jpg_to_png_001", "image", "Convert JPEG images to PNG", "Re-encodes JPEG files as lossless PNG."),
    ];

    [Fact]
    public async Task A_direction_or_a_specific_in_the_query_puts_the_right_twin_first()
    {
        await using var server = await RegistryServer.StartAsync(postgres);
        foreach (var (name, category, description, summary) in Twins)
        {
            var request = Scripts.Publish(name, "1.0.0", description, category: category);
            request.Summary = summary;
            await server.Client.PublishAsync(request, server.Alice);
        }

        await server.EmbeddedAsync();
        (string Query, string Right, string Wrong)[] cases =
        [
            ("convert csv into json", "data_csv_to_json_001", "data_json_to_csv_001"),
            ("convert json into csv", "data_json_to_csv_001", "data_csv_to_json_001"),
            ("create a zip file from a directory", "zip_folder_001", "unzip_archive_001"),
            ("unpack a zip file", "unzip_archive_001", "zip_folder_001"),
            ("encrypt a file so others cannot read it", "encrypt_file_001", "decrypt_file_001"),
            ("decrypt a file with its password", "decrypt_file_001", "encrypt_file_001"),
            ("scale an image down to a smaller width", "image_resize_001", "image_crop_001"),
            ("keep only a rectangular region of an image", "image_crop_001", "image_resize_001"),
            ("wav to mp3", "audio_convert_001", "audio_mp3_to_wav_001"),
            ("mp3 to wav", "audio_mp3_to_wav_001", "audio_convert_001"),
            ("decimal to binary", "binary_convert_001", "binary_to_decimal_001"),
            ("binary to decimal", "binary_to_decimal_001", "binary_convert_001"),
            ("save my png pictures as jpeg", "image_png_to_jpg_001", "image_jpg_to_png_001"),
            ("save a jpeg photo as a png", "image_jpg_to_png_001", "image_png_to_jpg_001"),
        ];

        var wrong = new List<string>();
        foreach (var (query, right, twin) in cases)
        {
            var names = (await server.Client.SearchAsync(new SearchRequest { Query = query, Limit = 5 })).Hits.Select(h => h.Script.Name).ToList();
            // Both twins are candidates; the order between them is what is tested.
            Assert.Contains(twin, names);
            if (names[0] != right)
            {
                wrong.Add($"'{query}': {string.Join(", ", names)} (want {right} first)");
            }
        }

        Assert.True(wrong.Count == 0, "wrong twin first:\n" + string.Join("\n", wrong));
    }
}
