using System.Text.RegularExpressions;

namespace ScriptPlatform.Contracts.Tests;

/// <summary>
/// CONVENTIONS.md: every rpc and message has a one-line comment. The C# generator strips
/// SourceCodeInfo from the embedded descriptors, so the .proto text itself is checked.
/// </summary>
public sealed partial class ProtoCommentTests
{
    [GeneratedRegex(@"^(message|enum|service|oneof)\s+(\w+)\s*\{")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"^rpc\s+(\w+)\s*\(")]
    private static partial Regex Rpc();

    // A message field (optionally repeated/optional/map) or an enum value.
    [GeneratedRegex(@"^((repeated|optional)\s+)?([\w.]+|map<[\w.,\s]+>)\s+\w+\s*=\s*\d+\s*(\[[^\]]*\])?\s*;|^\w+\s*=\s*-?\d+\s*;")]
    private static partial Regex Field();

    public static TheoryData<string> ProtoFiles() => [.. ProtoPaths()];

    private static IEnumerable<string> ProtoPaths() =>
        Directory.GetFiles(Path.Combine(Contracts.ProtoRoot(), "scriptplatform"), "*.proto", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Contracts.ProtoRoot(), p).Replace('\\', '/'))
            .Order();

    [Fact]
    public void Every_area_has_a_versioned_proto()
    {
        var files = ProtoPaths();
        Assert.Equal(
            [
                "scriptplatform/common/v1/common.proto",
                "scriptplatform/executor/v1/executor.proto",
                "scriptplatform/generation/v1/generation.proto",
                "scriptplatform/intent/v1/intent.proto",
                "scriptplatform/registry/v1/registry.proto",
            ],
            files);
    }

    [Theory]
    [MemberData(nameof(ProtoFiles))]
    public void Every_service_rpc_message_enum_and_oneof_has_a_leading_comment(string relativePath)
    {
        var missing = new List<string>();
        var lines = ReadLines(relativePath);
        for (var i = 0; i < lines.Length; i++)
        {
            var declaration = Declaration().Match(lines[i]);
            var rpc = Rpc().Match(lines[i]);
            if ((declaration.Success || rpc.Success) && !IsComment(Previous(lines, i)))
            {
                missing.Add($"{relativePath}:{i + 1}: {lines[i]}");
            }
        }

        Assert.Empty(missing);
    }

    [Theory]
    [MemberData(nameof(ProtoFiles))]
    public void Every_field_and_enum_value_is_commented_alone_or_in_a_commented_group(string relativePath)
    {
        var missing = new List<string>();
        var lines = ReadLines(relativePath);
        for (var i = 0; i < lines.Length; i++)
        {
            if (!Field().IsMatch(lines[i]) || lines[i].Contains("//", StringComparison.Ordinal))
            {
                continue;
            }

            // A field group is consecutive fields under one comment; a oneof's members share its comment.
            var previous = Previous(lines, i);
            var grouped = Field().IsMatch(previous) || Declaration().Match(previous) is { Success: true, Groups: var g } && g[1].Value == "oneof";
            if (!IsComment(previous) && !grouped)
            {
                missing.Add($"{relativePath}:{i + 1}: {lines[i]}");
            }
        }

        Assert.Empty(missing);
    }

    [Theory]
    [MemberData(nameof(ProtoFiles))]
    public void The_text_scan_sees_every_message_enum_and_service_of_the_compiled_descriptor(string relativePath)
    {
        // Guards the comment checks above: a declaration the regexes miss would go unchecked.
        var lines = ReadLines(relativePath);
        var declared = lines.Select(l => Declaration().Match(l)).Where(m => m.Success && m.Groups[1].Value != "oneof")
            .Select(m => m.Groups[2].Value).Order().ToList();
        var rpcs = lines.Select(l => Rpc().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).Order().ToList();

        var file = Contracts.Files.Single(f => f.Name == relativePath.Replace('\\', '/'));
        var compiled = file.MessageTypes.Select(m => m.Name)
            .Concat(file.EnumTypes.Select(e => e.Name))
            .Concat(file.Services.Select(s => s.Name))
            .Order().ToList();
        Assert.Equal(compiled, declared);
        Assert.Equal(file.Services.SelectMany(s => s.Methods).Select(m => m.Name).Order(), rpcs);
    }

    private static string[] ReadLines(string relativePath) =>
        File.ReadAllLines(Path.Combine(Contracts.ProtoRoot(), relativePath)).Select(l => l.Trim()).ToArray();

    private static string Previous(string[] lines, int index) => index > 0 ? lines[index - 1] : "";

    private static bool IsComment(string line) => line.StartsWith("//", StringComparison.Ordinal);
}
