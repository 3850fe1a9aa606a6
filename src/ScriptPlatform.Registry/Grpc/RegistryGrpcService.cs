using System.Text.RegularExpressions;
using Grpc.Core;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Registry.Auth;
using ScriptPlatform.Registry.Checking;
using ScriptPlatform.Registry.Domain;
using ScriptPlatform.Registry.Infrastructure;
using ScriptPlatform.Registry.Search;
using ScriptPlatform.Registry.Versioning;
using ScriptPlatform.ServiceDefaults.Grpc;
using ScriptPlatform.ServiceDefaults.Text;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace ScriptPlatform.Registry.Grpc;

/// <summary>
/// <c>scriptplatform.registry.v1.RegistryService</c>: validates each request (the same rules and
/// messages whatever the caller), checks the key's scope, and hands over to the store or search.
/// </summary>
[BindServiceMethod(typeof(StrictServiceBinding<RegistryService.RegistryServiceBase>), "BindService")]
public sealed partial class RegistryGrpcService(ScriptStore store, SearchService search, ApiKeyStore keys, RegistryAuthorizer auth, IScriptChecker checker)
    : RegistryService.RegistryServiceBase
{
    private const int MaxTags = 20;
    private const int MaxTagLength = 32;
    private const int MaxAgentIdLength = 128;
    private const int MaxCategoryLength = 32;
    private const int MaxTaskLength = 48;
    private const int MaxKeyIdLength = 64;
    private const int NanosPerSecond = 1_000_000_000;
    private static readonly TimeSpan MaxKeyLifetime = TimeSpan.FromDays(36_525); // a century

    public override async Task<SearchResponse> Search(SearchRequest request, ServerCallContext context)
    {
        auth.Require(context, ApiKeyScope.Read);
        if (request.Query.Length > 1000)
        {
            throw RegistryErrors.InvalidArgument($"the query is {request.Query.Length} characters; at most 1000 are allowed");
        }

        if (request.Limit < 0)
        {
            throw RegistryErrors.InvalidArgument("limit must be 0 (default 10) or positive (capped at 100)");
        }

        CheckDefined(request.Mode, "mode");

        if (!string.IsNullOrEmpty(request.Category))
        {
            Check(ScriptNames.Validate(request.Category, "category"));
        }

        if (!string.IsNullOrEmpty(request.AgentId))
        {
            CheckAgent(request.AgentId);
        }

        return await search.SearchAsync(request, context.CancellationToken);
    }

    public override async Task<LoadResponse> Load(LoadRequest request, ServerCallContext context)
    {
        auth.Require(context, ApiKeyScope.Read);
        if (request.Script is null)
        {
            throw RegistryErrors.InvalidArgument("script is required: give the name and, optionally, a version selector");
        }

        Check(ScriptNames.Validate(request.Script.Name));
        var range = ParseSelector(request.Script.VersionSelector);
        if (!string.IsNullOrEmpty(request.ExpectedContentHash) && (request.ExpectedContentHash.Length != 64 || !HashRegex().IsMatch(request.ExpectedContentHash)))
        {
            throw RegistryErrors.InvalidArgument("expected_content_hash must be 64 lower-case hex characters (a SHA-256)");
        }

        if (range.IsLatest)
        {
            var fast = await store.LoadLatestFastAsync(request.Script.Name, context.CancellationToken);
            if (fast is not null && (string.IsNullOrEmpty(request.ExpectedContentHash) || fast.Version.ContentHash == request.ExpectedContentHash))
            {
                return fast;
            }
        }

        return await store.LoadAsync(request.Script.Name, range, NullIfEmpty(request.ExpectedContentHash), context.CancellationToken);
    }

    public override async Task<PublishResponse> Publish(PublishRequest request, ServerCallContext context)
    {
        // Cheap shape checks first, so a malformed request never costs a key lookup.
        Check(ScriptNames.Validate(request.Name));
        if (!SemVersion.TryParse(request.Version, out var version, out var versionError))
        {
            throw RegistryErrors.InvalidArgument($"invalid version: {versionError}");
        }

        var (utf8, contentError, tooLarge) = ScriptContent.Check(request.Content);
        if (contentError is not null)
        {
            throw tooLarge ? RegistryErrors.ResourceExhausted(contentError) : RegistryErrors.InvalidArgument(contentError);
        }

        if (!string.IsNullOrEmpty(request.Category))
        {
            Check(ScriptNames.Validate(request.Category, "category"));
        }

        var tags = NormalizeTags(request.Tags);
        CheckDefined(request.Source, "source");
        CheckLength(request.Description, 2_000, "description");
        CheckLength(request.Summary, 8_000, "summary");
        CheckLength(request.Changelog, 20_000, "changelog");
        if (!string.IsNullOrEmpty(request.AgentId))
        {
            CheckAgent(request.AgentId);
        }

        var caller = auth.Require(context, ApiKeyScope.Publish);
        var (parsed, metadata) = MetadataMapping.Parse(request.Content);
        // Last and only for an authorised caller: the one check that costs a process.
        Check(await checker.FindProblemAsync(request.Content, context.CancellationToken));
        var command = new ScriptStore.PublishCommand(
            request.Name, version, request.Content, ScriptContent.Hash(utf8), utf8.Length, request.Changelog,
            NullIfEmpty(request.Category), NullIfEmpty(request.Description?.Trim()), tags, NullIfEmpty(request.Summary?.Trim()),
            parsed, metadata, request.Source, NullIfEmpty(request.AgentId));
        return await store.PublishAsync(command, caller, context.CancellationToken);
    }

    public override async Task<ListVersionsResponse> ListVersions(ListVersionsRequest request, ServerCallContext context)
    {
        auth.Require(context, ApiKeyScope.Read);
        Check(ScriptNames.Validate(request.Name));
        return await store.ListVersionsAsync(request.Name, request.Page, context.CancellationToken);
    }

    public override async Task<RemoveResponse> Remove(RemoveRequest request, ServerCallContext context)
    {
        Check(ScriptNames.Validate(request.Name));
        CheckDefined(request.Mode, "mode");
        SemVersion? version = null;
        switch (request.Mode)
        {
            case RemoveMode.Deprecate when string.IsNullOrWhiteSpace(request.Reason):
                throw RegistryErrors.InvalidArgument("deprecating needs a reason (shown to users of the script), for example 'replaced by math_addition_002'");
            case RemoveMode.DeleteVersion:
                if (!SemVersion.TryParse(request.Version, out version, out var error))
                {
                    throw RegistryErrors.InvalidArgument($"DELETE_VERSION needs the exact version to delete: {error}");
                }

                break;
            case RemoveMode.Unspecified:
                throw RegistryErrors.InvalidArgument("mode is required: DEPRECATE, DELETE_VERSION or DELETE_SCRIPT");
        }

        CheckLength(request.Reason, 2_000, "reason");
        var caller = auth.Require(context, ApiKeyScope.Publish);
        return await store.RemoveAsync(request.Name, request.Mode, version, request.Reason ?? "", caller, context.CancellationToken);
    }

    public override async Task<HelpResponse> Help(HelpRequest request, ServerCallContext context)
    {
        auth.Require(context, ApiKeyScope.Read);
        CheckLength(request.Topic, 100, "topic");
        if (string.IsNullOrEmpty(request.Name))
        {
            return HelpText.General(request.Topic);
        }

        Check(ScriptNames.Validate(request.Name));
        var loaded = await store.LoadLatestFastAsync(request.Name, context.CancellationToken) ?? throw RegistryErrors.ScriptNotFound(request.Name);
        return HelpText.ForScript(loaded);
    }

    public override async Task<NextNameResponse> NextName(NextNameRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.Category) || request.Category.Length > MaxCategoryLength || !CategoryRegex().IsMatch(request.Category))
        {
            throw RegistryErrors.InvalidArgument($"category '{TextRules.Shown(request.Category)}' must be 1–{MaxCategoryLength} lower-case letters or digits starting with a letter, for example 'math'");
        }

        if (string.IsNullOrEmpty(request.Task) || request.Task.Length > MaxTaskLength || !TaskRegex().IsMatch(request.Task))
        {
            throw RegistryErrors.InvalidArgument($"task '{TextRules.Shown(request.Task)}' must be 1–{MaxTaskLength} lower-case letters, digits or '_' starting with a letter, for example 'addition'");
        }

        var caller = auth.Require(context, request.Reserve ? ApiKeyScope.Publish : ApiKeyScope.Read);
        return await store.NextNameAsync($"{request.Category}_{request.Task}", request.Reserve, caller, context.CancellationToken);
    }

    public override async Task<FeedbackResponse> Feedback(FeedbackRequest request, ServerCallContext context)
    {
        Check(ScriptNames.Validate(request.Name));
        if (request.Rating is < 1 or > 5)
        {
            throw RegistryErrors.InvalidArgument($"rating must be 1 (bad) to 5 (great), not {request.Rating}");
        }

        SemVersion? version = null;
        if (!string.IsNullOrEmpty(request.Version) && !SemVersion.TryParse(request.Version, out version, out var error))
        {
            throw RegistryErrors.InvalidArgument($"invalid version: {error}");
        }

        CheckLength(request.Comment, 4_000, "comment");
        CheckLength(request.ExecutionId, 100, "execution_id");
        var caller = auth.Require(context, ApiKeyScope.Publish);
        return await store.FeedbackAsync(request.Name, version, request.Rating, request.Comment ?? "", NullIfEmpty(request.ExecutionId), caller, context.CancellationToken);
    }

    public override async Task<GetStatsResponse> GetStats(GetStatsRequest request, ServerCallContext context)
    {
        auth.Require(context, ApiKeyScope.Read);
        if (!string.IsNullOrEmpty(request.Name))
        {
            Check(ScriptNames.Validate(request.Name));
        }

        return await store.GetStatsAsync(NullIfEmpty(request.Name), context.CancellationToken);
    }

    public override async Task<LinkAgentToolResponse> LinkAgentTool(LinkAgentToolRequest request, ServerCallContext context)
    {
        CheckAgent(request.AgentId);
        Check(ScriptNames.Validate(request.ScriptName));
        var range = ParseSelector(request.VersionSelector);
        var caller = auth.Require(context, ApiKeyScope.Publish);
        return await store.LinkAgentToolAsync(request.AgentId, request.ScriptName, range.IsLatest ? "" : range.Text, caller, context.CancellationToken);
    }

    public override async Task<UnlinkAgentToolResponse> UnlinkAgentTool(UnlinkAgentToolRequest request, ServerCallContext context)
    {
        CheckAgent(request.AgentId);
        Check(ScriptNames.Validate(request.ScriptName));
        var caller = auth.Require(context, ApiKeyScope.Publish);
        return await store.UnlinkAgentToolAsync(request.AgentId, request.ScriptName, caller, context.CancellationToken);
    }

    public override async Task<ListAgentToolsResponse> ListAgentTools(ListAgentToolsRequest request, ServerCallContext context)
    {
        auth.Require(context, ApiKeyScope.Read);
        CheckAgent(request.AgentId);
        return await store.ListAgentToolsAsync(request.AgentId, request.Page, context.CancellationToken);
    }

    public override async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        var caller = auth.Require(context, ApiKeyScope.Admin);
        Check(ApiKeyStore.ValidateOwner(request.Owner));
        if (request.Scopes.Count == 0 || request.Scopes.Any(s => s == ApiKeyScope.Unspecified || !Enum.IsDefined(s)))
        {
            throw RegistryErrors.InvalidArgument("scopes must name at least one of READ, PUBLISH, ADMIN (UNSPECIFIED is not a scope)");
        }

        var ttl = request.Ttl is null ? (TimeSpan?)null : KeyLifetime(request.Ttl);
        CheckLength(request.Label, 200, "label");
        var (info, secret) = await keys.CreateAsync(request.Owner, request.Label ?? "", request.Scopes.ToList(), ttl, caller.Principal, context.CancellationToken);
        return new CreateApiKeyResponse { Key = info, Secret = secret };
    }

    public override async Task<RevokeApiKeyResponse> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        var caller = auth.Require(context, ApiKeyScope.Admin);
        if (string.IsNullOrEmpty(request.Id))
        {
            throw RegistryErrors.InvalidArgument("id is required: the key id from CreateApiKey or ListApiKeys (key_...)");
        }

        CheckLength(request.Id, MaxKeyIdLength, "id");
        CheckLength(request.Reason, 2_000, "reason");

        return new RevokeApiKeyResponse { Key = await keys.RevokeAsync(request.Id, request.Reason ?? "", caller.Principal, context.CancellationToken) };
    }

    public override async Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context)
    {
        auth.Require(context, ApiKeyScope.Admin);
        if (!string.IsNullOrEmpty(request.Owner))
        {
            Check(ApiKeyStore.ValidateOwner(request.Owner));
        }

        var (offset, limit) = Paging.Read(request.Page);
        var (list, total) = await keys.ListAsync(NullIfEmpty(request.Owner), request.IncludeRevoked, offset, limit, context.CancellationToken);
        var response = new ListApiKeysResponse { Page = Paging.Write(offset, list.Count, limit, total) };
        response.Keys.AddRange(list);
        return response;
    }

    public override async Task<GetScriptResponse> GetScript(GetScriptRequest request, ServerCallContext context)
    {
        auth.Require(context, ApiKeyScope.Read);
        Check(ScriptNames.Validate(request.Name));
        return await store.GetScriptAsync(request.Name, context.CancellationToken);
    }

    /// <summary>The key's own caller, for services that authenticate with the Registry's keys (ApiKeyInterceptor already refused an unknown, revoked or expired one).</summary>
    public override Task<WhoAmIResponse> WhoAmI(WhoAmIRequest request, ServerCallContext context)
    {
        var caller = RegistryAuthorizer.Authenticated(context);
        return Task.FromResult(new WhoAmIResponse { Owner = caller.Principal, KeyId = caller.KeyId ?? "", Scopes = { caller.Scopes.Order() } });
    }

    /// <summary>
    /// A key's ttl. Duration.ToTimeSpan throws on a value that is not normalised (nanos beyond ±1e9 or
    /// of the other sign than seconds), and a lifetime of millennia overflows the expiry date, so both
    /// are refused here first.
    /// </summary>
    private static TimeSpan KeyLifetime(Duration ttl)
    {
        var normalised = ttl.Nanos is > -NanosPerSecond and < NanosPerSecond && (ttl.Seconds == 0 || ttl.Nanos == 0 || (ttl.Seconds < 0) == (ttl.Nanos < 0));
        if (!normalised)
        {
            throw RegistryErrors.InvalidArgument($"ttl is not a valid duration (seconds {ttl.Seconds}, nanos {ttl.Nanos}): nanos must be within ±999,999,999 and have the sign of seconds");
        }

        if (ttl.Seconds > MaxKeyLifetime.TotalSeconds)
        {
            throw RegistryErrors.InvalidArgument($"ttl is over {MaxKeyLifetime.TotalDays:N0} days; leave it unset for a key that does not expire");
        }

        var lifetime = ttl.ToTimeSpan();
        return lifetime > TimeSpan.Zero ? lifetime : throw RegistryErrors.InvalidArgument("ttl must be positive, or unset for a key that does not expire");
    }

    private static VersionRange ParseSelector(string? selector) =>
        VersionRange.TryParse(selector, out var range, out var error) ? range : throw RegistryErrors.InvalidArgument(error);

    private static List<string> NormalizeTags(IEnumerable<string> tags)
    {
        var result = new List<string>();
        foreach (var raw in tags)
        {
            var tag = raw.Trim().ToLowerInvariant();
            if (tag.Length > MaxTagLength || !TagRegex().IsMatch(tag))
            {
                throw RegistryErrors.InvalidArgument($"tag '{TextRules.Shown(raw)}' must be 1–{MaxTagLength} characters of a-z, 0-9, '-' or '_'");
            }

            if (!result.Contains(tag))
            {
                result.Add(tag);
            }
        }

        return result.Count <= MaxTags ? result : throw RegistryErrors.InvalidArgument($"at most {MaxTags} tags are allowed");
    }

    private static void CheckAgent(string? agentId)
    {
        if (string.IsNullOrEmpty(agentId) || agentId.Length > MaxAgentIdLength || !AgentRegex().IsMatch(agentId))
        {
            throw RegistryErrors.InvalidArgument(
                $"agent_id '{TextRules.Shown(agentId)}' must be 1–{MaxAgentIdLength} characters of letters, digits, '.', '_', ':', '@' or '-'");
        }
    }

    // An enum field carries any int32 on the wire; a number the schema does not define is refused, not stored or guessed at.
    private static void CheckDefined<TEnum>(TEnum value, string field)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw RegistryErrors.InvalidArgument($"{field} {Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)} is not a {typeof(TEnum).Name} value this registry knows");
        }
    }

    private static void CheckLength(string? value, int max, string field)
    {
        if (value is not null && value.Length > max)
        {
            throw RegistryErrors.InvalidArgument($"{field} is {value.Length} characters; at most {max} are allowed");
        }
    }

    private static void Check(string? error)
    {
        if (error is not null)
        {
            throw RegistryErrors.InvalidArgument(error);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    // Anchored with \z, not $: in .NET '$' also matches before a final '\n', so "abc\n" would pass.
    // Lengths are checked before each pattern runs, and messages quote values through TextRules.Shown.
    [GeneratedRegex(@"^[0-9a-f]{64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex HashRegex();

    [GeneratedRegex(@"^[a-z][a-z0-9]{0,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CategoryRegex();

    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,47}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TaskRegex();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex AgentRegex();
}
