using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Generation.Tests.Infrastructure;
using ScriptPlatform.Testing;
using ScriptPlatform.Testing.BadInput;

namespace ScriptPlatform.Generation.Tests;

/// <summary>
/// Issue 17's sweep over GenerationService (cases and checks in <see cref="BadInputSweep"/>, generated
/// from its descriptor), against a Generation service of its own: a refusal must not have asked a model.
/// </summary>
[Collection(typeof(BadInputSweepCollection))]
public sealed class BadInputSweepTests(GenerationSweepTarget target) : IClassFixture<GenerationSweepTarget>
{
    public static TheoryData<string, string, string> Cases() => BadInputSweep.Cases(GenerationService.Descriptor);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_value_gets_a_specific_status_within_a_second_and_a_refusal_asks_no_model(string rpc, string field, string value) =>
        Assert.Null(await BadInputSweep.RunAsync(target, rpc, field, value));
}

/// <summary>The sweep runs alone: its one-second bound measures the service, not the other tests.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class BadInputSweepCollection;
