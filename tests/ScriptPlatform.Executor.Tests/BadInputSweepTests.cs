using ScriptPlatform.Contracts.Executor.V1;
using ScriptPlatform.Executor.Tests.Infrastructure;
using ScriptPlatform.Testing.BadInput;

namespace ScriptPlatform.Executor.Tests;

/// <summary>
/// Issue 17's sweep over ExecutorService (cases and checks in <see cref="BadInputSweep"/>, generated
/// from its descriptor), against an Executor of its own.
/// </summary>
[Collection(typeof(BadInputSweepCollection))]
public sealed class BadInputSweepTests(ExecutorSweepTarget target) : IClassFixture<ExecutorSweepTarget>
{
    public static TheoryData<string, string, string> Cases() => BadInputSweep.Cases(ExecutorService.Descriptor);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_value_gets_a_specific_status_within_a_second_and_a_refusal_changes_no_table(string rpc, string field, string value) =>
        Assert.Null(await BadInputSweep.RunAsync(target, rpc, field, value));
}

/// <summary>The sweep runs alone: its one-second bound measures the executor, not the other tests.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class BadInputSweepCollection;
