using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Tests.Infrastructure;
using ScriptPlatform.Testing;
using ScriptPlatform.Testing.BadInput;

namespace ScriptPlatform.Registry.Tests.Grpc;

/// <summary>
/// Issue 17's sweep over RegistryService (cases and checks in <see cref="BadInputSweep"/>): a fresh
/// registry per rpc, each call made with an admin key so that it gets past authorisation.
/// </summary>
[Collection(typeof(BadInputSweepCollection))]
public sealed class BadInputSweepTests(PostgresFixture postgres, SweepServers servers) : IClassFixture<SweepServers>
{
    public static TheoryData<string, string, string> Cases() => BadInputSweep.Cases(RegistryService.Descriptor);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_value_gets_a_specific_status_within_a_second_and_a_refusal_changes_no_table(string rpc, string field, string value) =>
        Assert.Null(await BadInputSweep.RunAsync(await servers.ForAsync(rpc, postgres), rpc, field, value));
}

/// <summary>The sweep runs alone: its one-second bound measures the registry, not the other tests.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class BadInputSweepCollection;
