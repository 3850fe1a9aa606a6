using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScriptPlatform.Cli.Infrastructure;

namespace ScriptPlatform.Cli.Tiers;

/// <summary>One pinned script: the version and the SHA-256 of its content.</summary>
public sealed record Pin(string Version, string? Sha256);

/// <summary>
/// The lockfile of seed 004, <c>.ai/scripts.lock.json</c> in a project or <c>~/.scriptplatform/scripts.lock.json</c>
/// outside one: <c>version</c>, <c>project_hash</c> (SHA-256 of <c>.ai/directives/custom/</c>), <c>scripts</c>
/// {name: version}, <c>directives</c>, <c>created_at</c>, <c>updated_at</c>, plus <c>integrity</c> {name: sha256}.
/// A lockfile that cannot be read is an error and is never overwritten; writes are atomic.
/// </summary>
public sealed class Lockfile
{
    public const string FormatVersion = "1.0.0";

    private Lockfile(string path, string? projectRoot)
    {
        Path = path;
        ProjectRoot = projectRoot;
    }

    public string Path { get; }

    public string? ProjectRoot { get; }

    public bool Exists { get; private set; }

    public SortedDictionary<string, string> Scripts { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, string> Integrity { get; } = new(StringComparer.Ordinal);

    /// <summary>Directive pins (Context Kiwi's); kept as they are.</summary>
    public JsonObject Directives { get; private set; } = [];

    public DateTimeOffset? CreatedAt { get; private set; }

    public DateTimeOffset? UpdatedAt { get; private set; }

    public string ProjectHash { get; private set; } = "";

    /// <summary>The lockfile of the current context: the project's when in a project, else the user's.</summary>
    public static Lockfile Open(ScriptTiers tiers, CliSettings settings)
    {
        var path = tiers.ProjectRoot is { } root
            ? System.IO.Path.Combine(root, ".ai", "scripts.lock.json")
            : System.IO.Path.Combine(settings.ConfigDirectory, "scripts.lock.json");
        var lockfile = new Lockfile(path, tiers.ProjectRoot);
        lockfile.Load();
        return lockfile;
    }

    public Pin? PinOf(string name) => Scripts.TryGetValue(name, out var version) ? new Pin(version, Integrity.GetValueOrDefault(name)) : null;

    public void SetPin(string name, string version, string sha256)
    {
        Scripts[name] = version;
        Integrity[name] = sha256;
    }

    public bool RemovePin(string name) => Scripts.Remove(name) | Integrity.Remove(name);

    /// <summary>Writes the lockfile atomically (a temporary file renamed over it).</summary>
    public void Save(DateTimeOffset now)
    {
        CreatedAt ??= now;
        UpdatedAt = now;
        ProjectHash = ComputeProjectHash(ProjectRoot);
        var document = new JsonObject
        {
            ["version"] = FormatVersion,
            ["project_hash"] = ProjectHash,
            ["scripts"] = new JsonObject(Scripts.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            ["directives"] = Directives.DeepClone(),
            ["created_at"] = Format(CreatedAt.Value),
            ["updated_at"] = Format(now),
            ["integrity"] = new JsonObject(Integrity.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        };
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temporary, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temporary, Path, overwrite: true);
        Exists = true;
    }

    /// <summary>SHA-256 over the sorted relative paths and contents of <c>.ai/directives/custom/</c> (empty input when absent).</summary>
    public static string ComputeProjectHash(string? projectRoot)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var folder = projectRoot is null ? null : System.IO.Path.Combine(projectRoot, ".ai", "directives", "custom");
        if (folder is not null && Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                         .Select(f => System.IO.Path.GetRelativePath(folder, f).Replace('\\', '/')).Order(StringComparer.Ordinal))
            {
                hash.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
                hash.AppendData(File.ReadAllBytes(System.IO.Path.Combine(folder, file)));
                hash.AppendData("\0"u8);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private void Load()
    {
        if (!File.Exists(Path))
        {
            return;
        }

        string text;
        try
        {
            text = File.ReadAllText(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Corrupt($"it cannot be read ({ex.Message})");
        }

        JsonObject root;
        try
        {
            root = JsonNode.Parse(text) as JsonObject ?? throw Corrupt("it is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw Corrupt($"it is not valid JSON ({ex.Message})");
        }

        if (root["version"] is not JsonValue formatVersion || formatVersion.GetValueKind() != JsonValueKind.String)
        {
            throw Corrupt("\"version\" is missing or not a string");
        }

        ReadMap(root, "scripts", Scripts, required: true, value => value.Length > 0 && value.Length <= 64 && !value.Any(char.IsWhiteSpace), "a version such as \"1.2.0\"");
        ReadMap(root, "integrity", Integrity, required: false, value => value.Length == 64 && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'),
            "a lower-case hex SHA-256");
        foreach (var name in Integrity.Keys.Where(n => !Scripts.ContainsKey(n)).ToList())
        {
            throw Corrupt($"\"integrity\" has an entry for '{name}' that \"scripts\" does not pin");
        }

        Directives = root["directives"] switch
        {
            null => [],
            JsonObject directives => (JsonObject)directives.DeepClone(),
            _ => throw Corrupt("\"directives\" is not an object"),
        };
        ProjectHash = root["project_hash"]?.GetValueKind() == JsonValueKind.String ? root["project_hash"]!.GetValue<string>() : "";
        CreatedAt = Time(root, "created_at");
        UpdatedAt = Time(root, "updated_at");
        Exists = true;
    }

    private void ReadMap(JsonObject root, string key, SortedDictionary<string, string> target, bool required, Func<string, bool> valid, string expected)
    {
        switch (root[key])
        {
            case null when !required:
                return;
            case JsonObject map:
                foreach (var (name, node) in map)
                {
                    if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String || !valid(value.GetValue<string>()))
                    {
                        throw Corrupt($"\"{key}\".\"{name}\" should be {expected}");
                    }

                    target[name] = value.GetValue<string>();
                }

                return;
            default:
                throw Corrupt($"\"{key}\" is missing or not an object");
        }
    }

    private DateTimeOffset? Time(JsonObject root, string key)
    {
        var node = root[key];
        if (node is null)
        {
            return null;
        }

        return node.GetValueKind() == JsonValueKind.String
               && DateTimeOffset.TryParse(node.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw Corrupt($"\"{key}\" is not a timestamp");
    }

    private CliError Corrupt(string why) =>
        new("lockfile_corrupt", $"The lockfile {Path} is not usable: {why}. sp leaves it untouched.",
            $"Fix it by hand, or move it away and pin again with: sp lock");
}
