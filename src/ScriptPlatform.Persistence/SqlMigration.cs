using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ScriptPlatform.Persistence;

/// <summary>
/// One versioned schema change: a <c>.sql</c> file named <c>NNNN_description.sql</c>, embedded in the
/// service's assembly. The version is the leading number; files are applied in version order.
/// </summary>
public sealed partial record SqlMigration(long Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the script text, recorded so that an edited, already-applied migration is noticed.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    /// <summary>
    /// Every embedded resource of <paramref name="assembly"/> whose logical name starts with
    /// <paramref name="resourcePrefix"/> and ends in <c>NNNN_name.sql</c>, in version order.
    /// Two files with the same version are a build mistake and fail here.
    /// </summary>
    public static IReadOnlyList<SqlMigration> FromEmbeddedResources(Assembly assembly, string resourcePrefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var migrations = new List<SqlMigration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(resourcePrefix, StringComparison.Ordinal)))
        {
            var file = resource[resourcePrefix.Length..].TrimStart('.');
            var match = FileName().Match(file);
            if (!match.Success)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new SqlMigration(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations share version {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}.");
        }

        return migrations.OrderBy(m => m.Version).ToList();
    }

    // \z, not $: '$' also matches before a final '\n'.
    [GeneratedRegex(@"^(\d+)_([A-Za-z0-9_\-]+)\.sql\z")]
    private static partial Regex FileName();
}
