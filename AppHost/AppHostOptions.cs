namespace ScriptPlatform.AppHost;

/// <summary>The AppHost's configuration (section <c>AppHost</c>; env <c>AppHost__Key</c>).</summary>
public sealed class AppHostOptions
{
    public const string Section = "AppHost";

    /// <summary>Where Postgres keeps data between runs, relative to the repository root.</summary>
    public string PostgresDataDirectory { get; set; } = ".local/postgres";

    /// <summary>How long a service may take to report healthy.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Start only Postgres and RabbitMQ (for running services from an IDE).</summary>
    public bool InfrastructureOnly { get; set; }

    /// <summary>Per-service settings keyed by service name (intent, generation, registry, executor).</summary>
    public Dictionary<string, ServiceOptions> Services { get; set; } = [];

    /// <summary>Build configuration whose output the services run from.</summary>
    public string Configuration { get; set; } = "Debug";
}

public sealed class ServiceOptions
{
    public int Port { get; set; }

    public bool Enabled { get; set; } = true;
}
