namespace ScriptPlatform.Faults.Tests.Infrastructure;

/// <summary>
/// How big the faults are: the reduced size by default (it runs in CI with every test), the full size of issue 16
/// with <c>SCRIPTPLATFORM_FAULTS=full</c> (<c>./build.sh faults</c>).
/// </summary>
public static class FaultSize
{
    public static bool Full { get; } = string.Equals(Environment.GetEnvironmentVariable("SCRIPTPLATFORM_FAULTS"), "full", StringComparison.OrdinalIgnoreCase);

    public static string Name => Full ? "full" : "ci";

    /// <summary>Jobs in the batch that survives a killed worker and a RabbitMQ restart.</summary>
    public static int BatchJobs => Full ? 5_000 : 300;

    /// <summary>Jobs in the batch shared by two hosts.</summary>
    public static int ScaleOutJobs => Full ? 2_000 : 100;

    /// <summary>Concurrent clients loading the Registry.</summary>
    public static int Clients => Full ? 16 : 6;

    /// <summary>How long Qdrant stays unreachable under the Registry (each outage).</summary>
    public static TimeSpan QdrantOutage => Full ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(3);

    /// <summary>How long a batch may take before the test calls it stuck.</summary>
    public static TimeSpan BatchTimeout => Full ? TimeSpan.FromMinutes(30) : TimeSpan.FromMinutes(6);
}
