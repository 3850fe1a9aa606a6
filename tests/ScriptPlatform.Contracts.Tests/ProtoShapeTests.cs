namespace ScriptPlatform.Contracts.Tests;

public sealed class ProtoShapeTests
{
    [Fact]
    public void Packages_are_versioned_and_map_to_contracts_namespaces()
    {
        foreach (var file in Contracts.Files)
        {
            var area = file.Package.Split('.')[1];
            Assert.Equal($"scriptplatform.{area}.v1", file.Package);
            Assert.Equal($"scriptplatform/{area}/v1/{area}.proto", file.Name);

            var expectedNamespace = $"ScriptPlatform.Contracts.{char.ToUpperInvariant(area[0])}{area[1..]}.V1";
            Assert.All(file.MessageTypes, m => Assert.Equal(expectedNamespace, m.ClrType.Namespace));
        }
    }

    [Fact]
    public void Every_enum_starts_with_a_prefixed_unspecified_zero_value()
    {
        Assert.All(Contracts.AllEnums(), e =>
        {
            var prefix = ScreamingSnake(e.Name) + "_";
            Assert.Equal(0, e.Values[0].Number);
            Assert.Equal(prefix + "UNSPECIFIED", e.Values[0].Name);
            Assert.All(e.Values, v => Assert.StartsWith(prefix, v.Name, StringComparison.Ordinal));
        });
    }

    [Fact]
    public void Execution_status_has_the_agreed_values()
    {
        var names = Common.V1.CommonReflection.Descriptor.EnumTypes.Single(e => e.Name == "ExecutionStatus").Values.Select(v => v.Name["EXECUTION_STATUS_".Length..]);
        Assert.Equal(["UNSPECIFIED", "SUCCESS", "ERROR", "TIMEOUT", "KILLED", "CANCELLED", "INVALID", "QUEUED", "RUNNING"], names);
    }

    [Fact]
    public void Source_tiers_are_project_user_registry()
    {
        var names = Common.V1.CommonReflection.Descriptor.EnumTypes.Single(e => e.Name == "SourceTier").Values.Select(v => v.Name);
        Assert.Equal(["SOURCE_TIER_UNSPECIFIED", "SOURCE_TIER_PROJECT", "SOURCE_TIER_USER", "SOURCE_TIER_REGISTRY"], names);
    }

    [Fact]
    public void Requests_and_responses_are_named_after_their_rpc()
    {
        // RunStream shares RunRequest with Run and streams RunStreamEvent; every other rpc has its own pair.
        var rpcs = Contracts.Files.SelectMany(f => f.Services).SelectMany(s => s.Methods).Where(m => m.Name != "RunStream");
        Assert.All(rpcs, m =>
        {
            Assert.Equal(m.Name + "Request", m.InputType.Name);
            Assert.Equal(m.Name + "Response", m.OutputType.Name);
        });
    }

    [Fact]
    public void Only_well_known_types_and_our_own_packages_are_imported()
    {
        var imports = Contracts.Files.SelectMany(f => f.Dependencies).Select(d => d.Name).Distinct();
        Assert.All(imports, name => Assert.True(
            name.StartsWith("google/protobuf/", StringComparison.Ordinal) || name.StartsWith("scriptplatform/", StringComparison.Ordinal),
            name));
    }

    private static string ScreamingSnake(string pascal) =>
        string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));
}
