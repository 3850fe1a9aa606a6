using System.Text;
using System.Text.Json;
using Google.Protobuf;
using ScriptPlatform.Cli.Infrastructure;
using ScriptPlatform.Cli.Tiers;
using ScriptPlatform.Contracts.Common.V1;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Contracts.Grpc;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Contracts.Registry.V1;
using ScriptPlatform.Sandbox;
using ScriptPlatform.Sandbox.Metadata;

namespace ScriptPlatform.Cli.Operations;

/// <summary>
/// Seed 004's tools over the three tiers: search, load, run, publish, help, lock, plus the thin clients
/// of Generation and Intent. The CLI's commands and the MCP server both call these.
/// </summary>
public sealed class ScriptOperations(CliSettings settings, PlatformClients platform)
{
    private readonly LocalRuns _runs = new(settings, platform);

    public ScriptTiers Tiers { get; } = new(settings);

    public PlatformClients Platform => platform;

    public LocalRuns Runs => _runs;

    /// <summary>Searches the project and user tiers (names, categories, descriptions) and the registry; each hit says its source.</summary>
    public async Task<SearchResult> SearchAsync(string query, string? category, int limit, bool localOnly, CancellationToken ct)
    {
        var warnings = new List<string>();
        var terms = query.ToLowerInvariant().Split((char[])[' ', '_', '-', ',', '.', '/'], StringSplitOptions.RemoveEmptyEntries);
        var hits = new List<SearchHit>();
        foreach (var tier in new[] { Tier.Project, Tier.User })
        {
            foreach (var script in Tiers.List(tier).Where(s => category is null || s.Category == category))
            {
                var description = DescriptionOf(script);
                var text = $"{script.Name} {script.Category} {description}".ToLowerInvariant();
                var matched = terms.Count(text.Contains);
                if (terms.Length == 0 || matched > 0)
                {
                    hits.Add(new SearchHit(script.Name, Source(tier), script.Category, description, null, script.Path,
                        terms.Length == 0 ? 1 : Math.Round((double)matched / terms.Length, 4)));
                }
            }
        }

        hits = hits.OrderBy(h => h.Source == "project" ? 0 : 1).ThenByDescending(h => h.Score).ThenBy(h => h.Name, StringComparer.Ordinal).Take(limit).ToList();
        string? registryError = null;
        if (!localOnly)
        {
            try
            {
                var response = await platform.CallAsync(PlatformServices.Registry,
                    o => platform.Registry.SearchAsync(new SearchRequest { Query = query, Category = category ?? "", Limit = limit }, o), ct: ct).ConfigureAwait(false);
                hits.AddRange(response.Hits.Select(h => new SearchHit(h.Script.Name, "registry", h.Script.Category, h.Script.Description,
                    h.Script.LatestVersion, null, Math.Round(h.Score, 6))));
            }
            catch (CliError error)
            {
                registryError = error.Message;
                warnings.Add($"registry not searched: {error.Message}");
            }
        }

        return new SearchResult(query, hits, registryError, warnings);
    }

    /// <summary>
    /// Downloads a version from the registry into the user tier (or the project tier). Honours the
    /// lockfile: with no version asked for, a pinned script loads its pinned version and must match the
    /// pinned hash; a newer version gives a warning. The pin is written (or moved by an explicit version).
    /// </summary>
    public async Task<LoadResult> LoadAsync(string name, string? version, Tier to, bool force, bool includeContent, CancellationToken ct)
    {
        ScriptTiers.ValidateName(name);
        var warnings = new List<string>();
        var lockfile = Lockfile.Open(Tiers, settings);
        var pin = lockfile.PinOf(name);
        var usePin = version is null && pin is not null;
        var request = new LoadRequest
        {
            Script = new ScriptRef { Name = name, VersionSelector = version ?? pin?.Version ?? "" },
            ExpectedContentHash = usePin ? pin!.Sha256 ?? "" : "",
        };
        LoadResponse response;
        try
        {
            response = await platform.CallAsync(PlatformServices.Registry, o => platform.Registry.LoadAsync(request, o), ct: ct).ConfigureAwait(false);
        }
        catch (CliError error) when (error.Code == "failed_precondition" && usePin)
        {
            throw HashMismatch(name, pin!, "the registry's content for that version", error.Message);
        }

        var bytes = Encoding.UTF8.GetBytes(response.Content);
        var sha = LocalScript.Sha256(bytes);
        if (sha != response.Version.ContentHash || (usePin && pin!.Sha256 is { } pinned && pinned != sha))
        {
            throw HashMismatch(name, pin ?? new Pin(response.Version.Version, response.Version.ContentHash), "the downloaded content", $"its sha256 is {sha}");
        }

        var latest = response.Script?.LatestVersion;
        if (usePin && !string.IsNullOrEmpty(latest) && latest != response.Version.Version)
        {
            warnings.Add($"{name} {latest} is available; the lockfile pins {pin!.Version} (load it with: sp load {name} --version {latest}).");
        }

        var category = ScriptTiers.SafeCategory(response.Script?.Category is { Length: > 0 } c ? c : response.Metadata?.Category);
        var path = Tiers.PathFor(to, category, name);
        WriteScript(path, bytes, force);
        if (!usePin)
        {
            lockfile.SetPin(name, response.Version.Version, sha);
            lockfile.Save(DateTimeOffset.UtcNow);
        }

        return new LoadResult(name, response.Version.Version, sha, "registry", Source(to), path, category, Pinned: true, latest, warnings,
            includeContent ? response.Content : null);
    }

    /// <summary>
    /// Runs a script from the first local tier that has it; never downloads. A registry-only script gives
    /// seed 004's <c>script_not_found_locally</c>; a pinned script must match its pinned hash.
    /// </summary>
    public async Task<RunResult> RunAsync(string name, string paramsJson, double? timeoutSeconds, Action<OutputLine>? onOutput, string loadHint, CancellationToken ct)
    {
        ScriptTiers.ValidateName(name);
        var warnings = new List<string>();
        var lockfile = Lockfile.Open(Tiers, settings);
        var script = Tiers.Resolve(name) ?? throw await NotFoundLocallyAsync(name, loadHint, ct).ConfigureAwait(false);
        byte[] content;
        try
        {
            content = script.ReadBytes();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliError("script_unreadable", $"{script.Path} cannot be read: {ex.Message}", $"Check its permissions (chmod u+r {script.Path}).");
        }

        var pin = lockfile.PinOf(name);
        if (pin?.Sha256 is { } pinned && LocalScript.Sha256(content) is var sha && sha != pinned)
        {
            throw HashMismatch(name, pin, script.Path, $"its sha256 is {sha}");
        }

        if (pin is not null)
        {
            await WarnIfNewerAsync(name, pin, warnings, ct).ConfigureAwait(false);
        }

        return await _runs.RunAsync(script, content, paramsJson, timeoutSeconds, pin?.Version, warnings, onOutput, ct).ConfigureAwait(false);
    }

    /// <summary>Publishes a file, or a script of a local tier, as a new registry version.</summary>
    public async Task<PublishResult> PublishAsync(string pathOrName, string version, string? changelog, Tier? source, CancellationToken ct)
    {
        var warnings = new List<string>();
        var (name, file, tier, category) = FindForPublish(pathOrName, source);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliError("script_unreadable", $"{file} cannot be read: {ex.Message}");
        }

        string content;
        try
        {
            content = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new CliError("invalid_content", $"{file} is not UTF-8 text; the registry stores Python source as UTF-8.");
        }

        var request = new PublishRequest
        {
            Name = name, Version = version, Content = content, Changelog = changelog ?? "", Category = category ?? "",
            Source = tier switch { Tier.Project => SourceTier.Project, Tier.User => SourceTier.User, _ => SourceTier.Unspecified },
        };
        var response = await platform.CallAsync(PlatformServices.Registry, o => platform.Registry.PublishAsync(request, o), ct: ct).ConfigureAwait(false);
        if (tier is not null)
        {
            // The local copy is now that version: pin it, so that run verifies it from here on.
            var lockfile = Lockfile.Open(Tiers, settings);
            lockfile.SetPin(name, response.Version.Version, response.Version.ContentHash);
            lockfile.Save(DateTimeOffset.UtcNow);
        }

        return new PublishResult(name, response.Version.Version, response.Version.ContentHash, tier is null ? "file" : Source(tier.Value),
            response.CreatedScript, response.IdempotentReplay, warnings);
    }

    /// <summary>Guidance: for a local script from its own metadata, else from the registry; with no name, the tools themselves.</summary>
    public async Task<HelpResult> HelpAsync(string? name, string? topic, CancellationToken ct)
    {
        if (name is null)
        {
            return new HelpResult(null, "sp", HelpText.General(topic), HelpText.Examples, null);
        }

        ScriptTiers.ValidateName(name);
        if (Tiers.Resolve(name) is { } local)
        {
            return LocalHelp(local);
        }

        var response = await platform.CallAsync(PlatformServices.Registry, o => platform.Registry.HelpAsync(new HelpRequest { Name = name, Topic = topic ?? "" }, o), ct: ct)
            .ConfigureAwait(false);
        return new HelpResult(name, "registry", response.Text, response.Examples, EmptyToNull(response.ExampleParamsJson));
    }

    /// <summary>
    /// Pins every script of the context's tier (the project tier in a project, else the user tier) plus
    /// those already pinned or named: the version stays when the content still matches its pin, else the
    /// registry version with this exact content is looked up. Scripts never published are not pinned.
    /// </summary>
    public async Task<LockResult> LockAsync(IReadOnlyList<string> names, CancellationToken ct)
    {
        var warnings = new List<string>();
        var lockfile = Lockfile.Open(Tiers, settings);
        var wanted = new SortedSet<string>(names.Select(n => ScriptTiers.ValidateName(n)), StringComparer.Ordinal);
        if (names.Count == 0)
        {
            wanted.UnionWith(Tiers.List(Tiers.ProjectRoot is null ? Tier.User : Tier.Project).Select(s => s.Name));
            wanted.UnionWith(lockfile.Scripts.Keys);
        }

        foreach (var name in wanted)
        {
            if (Tiers.Resolve(name) is not { } script)
            {
                if (names.Contains(name))
                {
                    throw new CliError("script_not_found", $"Script '{name}' is not in the project or user tier, so there is nothing to pin.", $"Load it first: sp load {name}");
                }

                warnings.Add($"{name} is pinned but no longer in a local tier; pin kept (sp load {name} restores it).");
                continue;
            }

            var sha = LocalScript.Sha256(script.ReadBytes());
            if (lockfile.PinOf(name) is { } pin && pin.Sha256 == sha)
            {
                continue;
            }

            if (await PublishedVersionWithHashAsync(name, sha, warnings, ct).ConfigureAwait(false) is { } version)
            {
                lockfile.SetPin(name, version, sha);
            }
            else if (names.Contains(name) || lockfile.PinOf(name) is not null)
            {
                throw new CliError("not_published", $"No registry version of '{name}' has the content of {script.Path} (sha256 {sha}), so it cannot be pinned.",
                    $"Publish it (sp publish {name} --version X.Y.Z), or restore the pinned version with: sp load {name} --force");
            }
        }

        lockfile.Save(DateTimeOffset.UtcNow);
        return new LockResult(lockfile.Path, lockfile.ProjectHash, lockfile.Scripts, lockfile.Integrity, warnings);
    }

    /// <summary>Drafts a script through the Generation service; optionally saves it into a local tier.</summary>
    public async Task<GenerateResult> GenerateAsync(string description, string? category, string? task, string? name, Tier? saveTo, CancellationToken ct)
    {
        var request = new GenerateRequest { Description = description, Category = category ?? "", Task = task ?? "", Name = name ?? "" };
        var response = await platform.CallAsync(PlatformServices.Generation, o => platform.Generation.GenerateAsync(request, o), TimeSpan.FromMinutes(3), ct)
            .ConfigureAwait(false);
        string? saved = null;
        if (saveTo is { } tier)
        {
            var fileName = ScriptTiers.ValidateName(name ?? $"{response.Category}_{response.Task}", "name for the generated script (give --name)");
            saved = Tiers.PathFor(tier, response.Category, fileName);
            WriteScript(saved, Encoding.UTF8.GetBytes(response.Content), force: false);
        }

        return new GenerateResult(response.Content, response.Category, response.Task, response.Source.ToString().ToLowerInvariant(), EmptyToNull(response.Model),
            response.Summary, response.Validation?.Ok ?? false,
            response.Validation?.Issues.Select(i => $"{i.Severity.ToString().ToLowerInvariant()} {i.Code}: {i.Message}").ToList() ?? [], saved, response.NameStem);
    }

    /// <summary>Sends an utterance to the Intent service; with <paramref name="confirm"/>, answers its proposal yes.</summary>
    public async Task<AskResult> AskAsync(string utterance, string? session, bool confirm, CancellationToken ct, string? agent = null)
    {
        var request = new InterpretRequest { Utterance = utterance, SessionId = session ?? "", AgentId = agent ?? "", Caller = settings.Caller };
        var reply = await platform.CallAsync(PlatformServices.Intent, o => platform.Intent.InterpretAsync(request, o), TimeSpan.FromMinutes(3), ct).ConfigureAwait(false);
        if (reply.ReplyCase == InterpretResponse.ReplyOneofCase.Proposal && confirm)
        {
            return await ConfirmAsync(reply.SessionId, reply.Proposal.ConfirmationId, true, ct).ConfigureAwait(false);
        }

        var result = reply.ReplyCase switch
        {
            InterpretResponse.ReplyOneofCase.Proposal => new AskResult(reply.SessionId, "proposal", reply.Proposal.Question, reply.Proposal.ConfirmationId, null, null, null, null),
            InterpretResponse.ReplyOneofCase.Outcome => Outcome(reply.SessionId, reply.Outcome),
            _ => new AskResult(reply.SessionId, "answer", null, null, reply.Answer, null, null, null),
        };
        return result with
        {
            Action = ActionName(reply.Action),
            Entities = reply.Entities is null ? null : EntitiesOf(reply.Entities),
            NeedsConfirmation = reply.NeedsConfirmation,
            Card = reply.Card is null ? null : ToJson(reply.Card, protoFieldNames: true),
            Message = EmptyToNull(reply.Message) ?? result.Message,
        };
    }

    /// <summary>"run" for ACTION_KIND_RUN: the names issue 14 gives the actions.</summary>
    private static string? ActionName(ActionKind action) => action == ActionKind.Unspecified ? null : action.ToString().ToLowerInvariant();

    private static AskEntities EntitiesOf(Entities e)
    {
        JsonElement? parameters = null;
        if (e.ParamsJson.Length > 0 && e.ParamsJson != "{}")
        {
            using var document = JsonDocument.Parse(e.ParamsJson);
            parameters = document.RootElement.Clone();
        }

        return new AskEntities(EmptyToNull(e.Name), EmptyToNull(e.Version), EmptyToNull(e.Category), EmptyToNull(e.Task), parameters, EmptyToNull(e.File));
    }

    /// <summary>Answers a pending confirmation.</summary>
    public async Task<AskResult> ConfirmAsync(string session, string confirmationId, bool yes, CancellationToken ct)
    {
        var request = new ConfirmRequest { ConfirmationId = confirmationId, Answer = yes ? ConfirmAnswer.Yes : ConfirmAnswer.No, Caller = settings.Caller };
        var response = await platform.CallAsync(PlatformServices.Intent, o => platform.Intent.ConfirmAsync(request, o), TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
        return response.Outcome is { } outcome
            ? Outcome(session, outcome)
            : new AskResult(session, "declined", null, confirmationId, null, null, "Nothing was done.", null);
    }

    public static string Source(Tier tier) => tier.ToString().ToLowerInvariant();

    /// <summary>A protobuf message as a JSON element (for --json and MCP results).</summary>
    public static JsonElement ToJson(IMessage message, bool protoFieldNames = false) =>
        JsonDocument.Parse(new JsonFormatter(JsonFormatter.Settings.Default.WithFormatDefaultValues(false).WithPreserveProtoFieldNames(protoFieldNames)).Format(message))
            .RootElement.Clone();

    private static AskResult Outcome(string session, ActionOutcome outcome) =>
        new(session, "outcome", null, null, null, outcome.Ok, outcome.Ok ? outcome.Message : $"{outcome.Message} {outcome.ErrorMessage}".Trim(), ToJson(outcome));

    private async Task<CliError> NotFoundLocallyAsync(string name, string loadHint, CancellationToken ct)
    {
        if (await platform.IsReachableAsync(PlatformServices.Registry, ct).ConfigureAwait(false))
        {
            try
            {
                await platform.CallAsync(PlatformServices.Registry, o => platform.Registry.GetScriptAsync(new GetScriptRequest { Name = name }, o), TimeSpan.FromSeconds(10), ct)
                    .ConfigureAwait(false);
                return new CliError("script_not_found_locally", $"Script '{name}' not found in project or user space", string.Format(System.Globalization.CultureInfo.InvariantCulture, loadHint, name), "registry");
            }
            catch (CliError error) when (error.Code == "not_found")
            {
                // Nowhere at all.
            }
            catch (CliError)
            {
                return new CliError("script_not_found", $"Script '{name}' not found in project or user space, and the registry could not be asked.");
            }

            return new CliError("script_not_found", $"Script '{name}' not found in any location", $"Search for similar scripts: sp search {name}");
        }

        return new CliError("script_not_found", $"Script '{name}' not found in project or user space (the registry at {settings.ServiceAddress(PlatformServices.Registry)} is unreachable, so it was not checked).",
            $"Check the name with: sp search {name} --local");
    }

    private async Task WarnIfNewerAsync(string name, Pin pin, List<string> warnings, CancellationToken ct)
    {
        if (!await platform.IsReachableAsync(PlatformServices.Registry, ct).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            var script = await platform.CallAsync(PlatformServices.Registry, o => platform.Registry.GetScriptAsync(new GetScriptRequest { Name = name }, o), TimeSpan.FromSeconds(5), ct)
                .ConfigureAwait(false);
            if (script.Script?.LatestVersion is { Length: > 0 } latest && latest != pin.Version)
            {
                warnings.Add($"{name} {latest} is available; the lockfile pins {pin.Version} (update with: sp load {name} --version {latest}).");
            }
        }
        catch (CliError)
        {
            // Only advice: a run of a local script never depends on the registry.
        }
    }

    private async Task<string?> PublishedVersionWithHashAsync(string name, string sha, List<string> warnings, CancellationToken ct)
    {
        if (!await platform.IsReachableAsync(PlatformServices.Registry, ct).ConfigureAwait(false))
        {
            warnings.Add($"{name}: the registry is unreachable, so its version could not be looked up.");
            return null;
        }

        try
        {
            var page = new PageRequest { PageSize = 100 };
            while (true)
            {
                var response = await platform.CallAsync(PlatformServices.Registry,
                    o => platform.Registry.ListVersionsAsync(new ListVersionsRequest { Name = name, Page = page }, o), ct: ct).ConfigureAwait(false);
                if (response.Versions.FirstOrDefault(v => v.ContentHash == sha) is { } match)
                {
                    return match.Version;
                }

                if (string.IsNullOrEmpty(response.Page?.NextPageToken))
                {
                    return null;
                }

                page = new PageRequest { PageSize = 100, PageToken = response.Page.NextPageToken };
            }
        }
        catch (CliError error) when (error.Code == "not_found")
        {
            return null;
        }
    }

    private (string Name, string File, Tier? Tier, string? Category) FindForPublish(string pathOrName, Tier? source)
    {
        var candidate = Path.GetFullPath(pathOrName, settings.Environment.WorkingDirectory);
        if (pathOrName.EndsWith(".py", StringComparison.Ordinal) || pathOrName.Contains('/', StringComparison.Ordinal))
        {
            if (!File.Exists(candidate))
            {
                throw new CliError("file_not_found", $"{candidate} does not exist.");
            }

            var name = ScriptTiers.ValidateName(Path.GetFileNameWithoutExtension(candidate), "script name (from the file name)");
            var tier = new[] { Tier.Project, Tier.User }.FirstOrDefault(t => Tiers.Find(t, name)?.Path == candidate, Tier.Registry);
            return (name, candidate, tier == Tier.Registry ? null : tier, tier == Tier.Registry ? null : Path.GetFileName(Path.GetDirectoryName(candidate)));
        }

        ScriptTiers.ValidateName(pathOrName);
        var script = (source is { } only ? Tiers.Find(only, pathOrName) : Tiers.Resolve(pathOrName))
            ?? throw new CliError("script_not_found", $"Script '{pathOrName}' not found in {(source is { } s ? Source(s) + " space" : "project or user space")}.",
                "Give a file path, or create the script under .ai/scripts/{category}/ first.");
        return (script.Name, script.Path, script.Tier, script.Category);
    }

    private static void WriteScript(string path, byte[] bytes, bool force)
    {
        if (File.Exists(path) && !force && !File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
        {
            throw new CliError("file_exists", $"{path} exists with different content; sp does not overwrite local changes.", "Pass --force to replace it.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    private static CliError HashMismatch(string name, Pin pin, string what, string detail) =>
        new("hash_mismatch", $"The lockfile pins {name} {pin.Version} with sha256 {pin.Sha256}, but {what} differs ({detail}); refusing to use it.",
            $"Restore the pinned version with: sp load {name} --force, or pin the current content with: sp lock {name}");

    private static string? DescriptionOf(LocalScript script)
    {
        try
        {
            return ScriptMetadataParser.Parse(File.ReadAllText(script.Path)).Description;
        }
        catch (Exception ex) when (ex is ScriptMetadataException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static HelpResult LocalHelp(LocalScript script)
    {
        var metadata = ScriptMetadataParser.Parse(File.ReadAllText(script.Path));
        var text = new StringBuilder($"**{script.Name}** ({Source(script.Tier)} tier, {script.Path})\n\n{metadata.Description ?? "No description."}\n");
        var example = new Dictionary<string, object?>();
        if (metadata.Parameters.Count > 0)
        {
            text.Append("\nParameters:\n");
            foreach (var p in metadata.Parameters)
            {
                text.Append($"- `{p.Name}` ({p.Type}{(p.Required ? ", required" : "")}): {p.Description}\n");
                example[p.Name] = p.Default?.Clone() ?? (object?)(p.Type switch { "integer" or "number" => 1, "boolean" => true, "array" => Array.Empty<int>(), _ => "value" });
            }
        }

        var paramsJson = JsonSerializer.Serialize(example);
        return new HelpResult(script.Name, Source(script.Tier), text.ToString(), [$"sp run {script.Name} --params '{paramsJson}'"], paramsJson);
    }

    private static string? EmptyToNull(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
