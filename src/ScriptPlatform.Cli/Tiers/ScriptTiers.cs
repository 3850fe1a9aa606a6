using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ScriptPlatform.Cli.Infrastructure;

namespace ScriptPlatform.Cli.Tiers;

/// <summary>Where a script was found (seed 004: project, then user, then the registry).</summary>
public enum Tier
{
    Project,
    User,
    Registry,
}

/// <summary>A script file in a local tier.</summary>
public sealed record LocalScript(string Name, string Category, Tier Tier, string Path)
{
    public byte[] ReadBytes() => File.ReadAllBytes(Path);

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}

/// <summary>
/// The two local tiers: the project tier <c>.ai/scripts/{category}/{name}.py</c> under the nearest
/// ancestor of the working directory that holds <c>.ai/</c>, and the user tier
/// <c>~/.scriptplatform/scripts/{category}/{name}.py</c>.
/// </summary>
public sealed partial class ScriptTiers(CliSettings settings)
{
    /// <summary>The project root (the nearest ancestor holding <c>.ai/</c>), or null outside a project.</summary>
    public string? ProjectRoot { get; } = FindProjectRoot(settings.Environment.WorkingDirectory);

    public string? ProjectScripts => ProjectRoot is null ? null : Path.Combine(ProjectRoot, ".ai", "scripts");

    public string UserScripts => settings.UserScripts;

    /// <summary>The folder of a tier (null for the project tier outside a project).</summary>
    public string? Folder(Tier tier) => tier switch
    {
        Tier.Project => ProjectScripts,
        Tier.User => UserScripts,
        _ => null,
    };

    /// <summary>Names: lower-case letters, digits and '_', starting with a letter, at most 64 characters.</summary>
    public static string ValidateName(string? name, string what = "script name")
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !NamePattern().IsMatch(name))
        {
            throw CliError.UsageError("invalid_name", $"'{name}' is not a valid {what}: use lower-case letters, digits and '_', starting with a letter, at most 64 characters (for example math_addition_001).");
        }

        return name;
    }

    /// <summary>The first local tier that has the script (project before user), or null.</summary>
    public LocalScript? Resolve(string name)
    {
        foreach (var tier in new[] { Tier.Project, Tier.User })
        {
            if (Find(tier, name) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>The script in one tier, or null.</summary>
    public LocalScript? Find(Tier tier, string name) => List(tier).FirstOrDefault(s => s.Name == name);

    /// <summary>Every script of a tier, by category then name. An unreadable tier folder is an error that says which.</summary>
    public IReadOnlyList<LocalScript> List(Tier tier)
    {
        var folder = Folder(tier);
        if (folder is null || !Path.Exists(folder))
        {
            return [];
        }

        try
        {
            if (!Directory.Exists(folder))
            {
                throw new IOException("it is not a directory");
            }

            var scripts = new List<LocalScript>();
            foreach (var categoryDirectory in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
            {
                var category = Path.GetFileName(categoryDirectory);
                foreach (var file in Directory.EnumerateFiles(categoryDirectory, "*.py").Order(StringComparer.Ordinal))
                {
                    var name = Path.GetFileNameWithoutExtension(file);
                    if (NamePattern().IsMatch(name))
                    {
                        scripts.Add(new LocalScript(name, category, tier, file));
                    }
                }
            }

            return scripts;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw Unreadable(tier, folder, ex);
        }
    }

    /// <summary>Where a script of this tier and category lives.</summary>
    public string PathFor(Tier tier, string category, string name)
    {
        var folder = Folder(tier) ?? throw new CliError("not_in_project",
            $"There is no project here ({settings.Environment.WorkingDirectory} and its parents have no .ai/ folder).",
            "Create one with: mkdir -p .ai/scripts, or use the user tier.");
        return Path.Combine(folder, SafeCategory(category), name + ".py");
    }

    public static CliError Unreadable(Tier tier, string folder, Exception ex) =>
        new("tier_unreadable", $"The {tier.ToString().ToLowerInvariant()} tier folder {folder} cannot be read: {ex.Message}",
            $"Check its permissions (for example: chmod -R u+rwX {folder}).");

    /// <summary>A category folder name: the registry's category when it is a plain word, else "general".</summary>
    public static string SafeCategory(string? category) =>
        !string.IsNullOrEmpty(category) && category.Length <= 64 && NamePattern().IsMatch(category) ? category : "general";

    private static string? FindProjectRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, ".ai")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,63}\z")]
    private static partial Regex NamePattern();
}
