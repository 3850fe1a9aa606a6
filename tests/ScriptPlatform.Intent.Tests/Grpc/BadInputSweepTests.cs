using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Intent.Tests.Infrastructure;
using ScriptPlatform.Testing.BadInput;

namespace ScriptPlatform.Intent.Tests.Grpc;

/// <summary>
/// Issue 17's sweep over IntentService (cases and checks in <see cref="BadInputSweep"/>, generated
/// from its descriptor), against an Intent host of its own: a refusal leaves Intent's tables as they were.
/// </summary>
[Collection(typeof(BadInputSweepCollection))]
public sealed class BadInputSweepTests(IntentSweepTarget target) : IClassFixture<IntentSweepTarget>
{
    public static TheoryData<string, string, string> Cases() => BadInputSweep.Cases(IntentService.Descriptor);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_value_gets_a_specific_status_within_a_second_and_a_refusal_changes_no_table(string rpc, string field, string value) =>
        Assert.Null(await BadInputSweep.RunAsync(target, rpc, field, value));
}

/// <summary>The sweep runs alone: its one-second bound measures Intent, not the other tests.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class BadInputSweepCollection;
