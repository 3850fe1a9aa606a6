using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Sandbox.Tests.Limits;

public sealed class LimitResolverTests
{
    private static readonly RuntimeProfile Profile = RuntimeProfile.For(SandboxRuntime.Bubblewrap);
    private static readonly ResourceLimits Maxima = new SandboxOptions().Maxima;

    [Fact]
    public void The_profile_applies_when_nothing_else_is_asked()
    {
        var limits = LimitResolver.Resolve(Profile, ScriptMetadata.Empty, null, Maxima);

        Assert.Equal(Profile.Defaults, limits);
    }

    [Fact]
    public void Each_runtime_has_its_own_declarative_profile()
    {
        var oci = RuntimeProfile.For(SandboxRuntime.Oci);

        Assert.NotEqual(Profile.Defaults, oci.Defaults);
        Assert.Equal(256, oci.Defaults.MemoryMb);
    }

    [Fact]
    public void The_scripts_declared_timeout_replaces_the_profiles_and_the_callers_wins_over_both()
    {
        var declared = new ScriptMetadata { TimeoutSeconds = 5 };

        var fromScript = LimitResolver.Resolve(Profile, declared, null, Maxima);
        var fromCaller = LimitResolver.Resolve(Profile, declared, new LimitOverrides { WallClockSeconds = 2, MemoryMb = 128 }, Maxima);

        Assert.Equal(5, fromScript.WallClockSeconds);
        Assert.Equal(5, fromScript.CpuSeconds); // CPU beyond the wall clock is unusable
        Assert.Equal((2.0, 128, Profile.Defaults.Processes), (fromCaller.WallClockSeconds, fromCaller.MemoryMb, fromCaller.Processes));
    }

    [Fact]
    public void Operator_maxima_cap_every_limit()
    {
        var maxima = new ResourceLimits { WallClockSeconds = 10, CpuSeconds = 8, MemoryMb = 100, Processes = 5, TmpfsMb = 4, OutputKb = 16, OpenFiles = 32, FileSizeMb = 2 };
        var greedy = new LimitOverrides { WallClockSeconds = 3600, CpuSeconds = 3600, MemoryMb = 1 << 20, Processes = 10_000, TmpfsMb = 10_000, OutputKb = 1 << 20, OpenFiles = 1 << 16, FileSizeMb = 10_000 };

        var limits = LimitResolver.Resolve(Profile, new ScriptMetadata { TimeoutSeconds = 3600 }, greedy, maxima);

        Assert.Equal(maxima, limits);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(LimitResolver.AbsurdTimeoutSeconds + 1)]
    public void A_non_positive_or_absurd_timeout_is_rejected(double seconds)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            LimitResolver.Resolve(Profile, ScriptMetadata.Empty, new LimitOverrides { WallClockSeconds = seconds }, Maxima));

        Assert.Contains("requested timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_positive_resource_limit_is_rejected() =>
        Assert.Throws<ArgumentException>(() => LimitResolver.Resolve(Profile, ScriptMetadata.Empty, new LimitOverrides { MemoryMb = 0 }, Maxima));
}
