using Google.Protobuf.WellKnownTypes;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;

namespace ScriptPlatform.Registry.Infrastructure;

/// <summary>A row of <c>scripts</c> as Dapper maps it.</summary>
public sealed class ScriptRow
{
    public const string Columns =
        "s.id, s.name, s.category, s.description, s.summary, s.tags, s.owner, s.deprecated, s.deprecation_reason, s.latest_version, " +
        "s.latest_content_hash, s.created_at, s.updated_at, s.usage_count, s.success_count, s.total_duration_ms, s.last_used_at, " +
        "s.rating_sum, s.rating_count, s.total_cost_usd, s.total_rows_processed";

    public long Id { get; set; }

    public string Name { get; set; } = "";

    public string Category { get; set; } = "";

    public string Description { get; set; } = "";

    public string Summary { get; set; } = "";

    public string[] Tags { get; set; } = [];

    public string Owner { get; set; } = "";

    public bool Deprecated { get; set; }

    public string? DeprecationReason { get; set; }

    public string? LatestVersion { get; set; }

    public string? LatestContentHash { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public long UsageCount { get; set; }

    public long SuccessCount { get; set; }

    public double TotalDurationMs { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public long RatingSum { get; set; }

    public long RatingCount { get; set; }

    public double TotalCostUsd { get; set; }

    public long TotalRowsProcessed { get; set; }

    public ScriptSummary ToSummary()
    {
        var summary = new ScriptSummary
        {
            Name = Name,
            Category = Category,
            Description = Description,
            Summary = Summary,
            Owner = Owner,
            LatestVersion = LatestVersion ?? "",
            LatestContentHash = LatestContentHash ?? "",
            Deprecated = Deprecated,
            DeprecationReason = DeprecationReason ?? "",
            CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc)),
            UpdatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(UpdatedAt, DateTimeKind.Utc)),
            Stats = ToStats(),
        };
        summary.Tags.AddRange(Tags);
        return summary;
    }

    public ScriptStats ToStats() => Stats(UsageCount, SuccessCount, TotalDurationMs, LastUsedAt, RatingSum, RatingCount, TotalCostUsd, TotalRowsProcessed);

    public static ScriptStats Stats(long usage, long success, double totalMs, DateTime? lastUsed, long ratingSum, long ratingCount, double cost, long rows)
    {
        var stats = new ScriptStats
        {
            UsageCount = usage,
            SuccessCount = success,
            SuccessRate = usage == 0 ? 0 : (double)success / usage,
            AvgDuration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(usage == 0 ? 0 : Math.Round(totalMs / usage, 3))),
            Rating = ratingCount == 0 ? 0 : (double)ratingSum / ratingCount,
            RatingCount = ratingCount,
            TotalCostUsd = cost,
            TotalRowsProcessed = rows,
        };
        if (lastUsed is { } l)
        {
            stats.LastUsedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(l, DateTimeKind.Utc));
        }

        return stats;
    }
}

/// <summary>A row of <c>script_versions</c> without its content.</summary>
public sealed class VersionRow
{
    public const string Columns = "v.id, v.script_id, v.version, v.content_hash, v.size_bytes, v.changelog, v.is_latest, v.published_at, v.published_by";

    public long Id { get; set; }

    public long ScriptId { get; set; }

    public string Version { get; set; } = "";

    public string ContentHash { get; set; } = "";

    public int SizeBytes { get; set; }

    public string Changelog { get; set; } = "";

    public bool IsLatest { get; set; }

    public DateTime PublishedAt { get; set; }

    public string PublishedBy { get; set; } = "";

    public VersionInfo ToInfo(string name) => new()
    {
        Name = name,
        Version = Version,
        ContentHash = ContentHash,
        SizeBytes = SizeBytes,
        Changelog = Changelog,
        IsLatest = IsLatest,
        PublishedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(PublishedAt, DateTimeKind.Utc)),
        PublishedBy = PublishedBy,
    };
}
