using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ScriptPlatform.Contracts.Intent.V1;

namespace ScriptPlatform.Intent.Parsing;

/// <summary>
/// Deterministic parsing of an utterance into an action and its entities: the seed's triggers
/// ("generate code …", "run code X.py", "update code X.py to …", "delete code X.py"), the same
/// requests in natural phrasing and any case (politeness, word order, small typos in the verb), and
/// the registry tools. No model, no I/O: microseconds per call. What it cannot read with confidence
/// becomes a CLARIFY with a question, never a guess that could run something.
/// </summary>
public static partial class IntentParser
{
    public const string OneRequestAtATime =
        "That looks like more than one request. Please send one request at a time, so that each gets its own confirmation.";

    public const string WhatToDo =
        "What would you like to do? For example: \"generate code for a math addition script\", \"run code math_addition_001.py\", \"find a script that converts csv\", or \"help\".";

    /// <summary>Leading words and what they ask for. Several-word openers are matched first.</summary>
    private static readonly Dictionary<string, ActionKind> Verbs = new(StringComparer.Ordinal)
    {
        ["generate"] = ActionKind.Generate, ["create"] = ActionKind.Generate, ["make"] = ActionKind.Generate, ["write"] = ActionKind.Generate,
        ["build"] = ActionKind.Generate, ["draft"] = ActionKind.Generate, ["produce"] = ActionKind.Generate, ["code"] = ActionKind.Generate,
        ["run"] = ActionKind.Run, ["execute"] = ActionKind.Run, ["exec"] = ActionKind.Run, ["launch"] = ActionKind.Run, ["invoke"] = ActionKind.Run,
        ["start"] = ActionKind.Run, ["call"] = ActionKind.Run, ["trigger"] = ActionKind.Run,
        ["update"] = ActionKind.Update, ["change"] = ActionKind.Update, ["modify"] = ActionKind.Update, ["edit"] = ActionKind.Update,
        ["revise"] = ActionKind.Update, ["alter"] = ActionKind.Update, ["fix"] = ActionKind.Update, ["patch"] = ActionKind.Update,
        ["improve"] = ActionKind.Update, ["amend"] = ActionKind.Update, ["rewrite"] = ActionKind.Update, ["tweak"] = ActionKind.Update,
        ["delete"] = ActionKind.Delete, ["remove"] = ActionKind.Delete, ["drop"] = ActionKind.Delete, ["erase"] = ActionKind.Delete,
        ["destroy"] = ActionKind.Delete, ["purge"] = ActionKind.Delete, ["rm"] = ActionKind.Delete, ["del"] = ActionKind.Delete,
        ["search"] = ActionKind.Search, ["find"] = ActionKind.Search, ["locate"] = ActionKind.Search, ["lookup"] = ActionKind.Search,
        ["discover"] = ActionKind.Search, ["seek"] = ActionKind.Search,
        ["load"] = ActionKind.Load, ["download"] = ActionKind.Load, ["fetch"] = ActionKind.Load, ["get"] = ActionKind.Load,
        ["pull"] = ActionKind.Load, ["open"] = ActionKind.Load, ["retrieve"] = ActionKind.Load, ["view"] = ActionKind.Load, ["cat"] = ActionKind.Load,
        ["publish"] = ActionKind.Publish, ["release"] = ActionKind.Publish, ["upload"] = ActionKind.Publish, ["push"] = ActionKind.Publish,
        ["ship"] = ActionKind.Publish,
        ["help"] = ActionKind.Help, ["usage"] = ActionKind.Help, ["explain"] = ActionKind.Help,
        ["versions"] = ActionKind.Versions, ["version"] = ActionKind.Versions,
        ["tools"] = ActionKind.Tools,
        ["batch"] = ActionKind.Batch,
    };

    /// <summary>Openers of several words (checked before single verbs), longest first.</summary>
    private static readonly (string Opener, ActionKind Action)[] Openers =
    [
        ("what can you do", ActionKind.Help), ("how do i use", ActionKind.Help), ("how do you use", ActionKind.Help), ("how to use", ActionKind.Help),
        ("how does", ActionKind.Help), ("how do i", ActionKind.Help), ("how can i", ActionKind.Help), ("how to", ActionKind.Help),
        ("look for", ActionKind.Search), ("look up", ActionKind.Search), ("is there", ActionKind.Search), ("are there", ActionKind.Search),
        ("do you have", ActionKind.Search), ("do we have", ActionKind.Search), ("got any", ActionKind.Search), ("any script", ActionKind.Search),
        ("any scripts", ActionKind.Search),
        ("for each", ActionKind.Batch), ("for every", ActionKind.Batch),
        ("get rid of", ActionKind.Delete), ("kick off", ActionKind.Run), ("fire off", ActionKind.Run), ("fire up", ActionKind.Run),
        ("new script", ActionKind.Generate),
    ];

    /// <summary>Openers that say "tell me about …" without naming the action: resolved from the words that follow.</summary>
    private static readonly HashSet<string> Openness = new(StringComparer.Ordinal)
    {
        "show", "list", "display", "what", "which", "give", "tell", "print", "see", "whats", "what's", "where", "i", "my", "all", "the",
    };

    /// <summary>Politeness and filler around a request.</summary>
    [GeneratedRegex(@"^(?:(?:please|pls|plz|kindly|hey|hi|hello|ok|okay|so|now|then|also|just|quickly|could you|can you|would you|will you|could u|can u|would you mind|would you be so kind as to|i want to|i want you to|i'd like to|i would like to|i'd like you to|i would like you to|i need to|i need you to|i wanna|let's|lets|let us|go ahead and|you should|assistant|bot)\b[,!]?\s*)+", RegexOptions.CultureInvariant)]
    private static partial Regex PolitePrefix();

    [GeneratedRegex(@"(?:[,\s]+(?:please|pls|plz|thanks|thank you|thx|for me|now|right now|asap|quickly|if you can|if possible|when you can|mate|buddy))+\z", RegexOptions.CultureInvariant)]
    private static partial Regex PoliteSuffix();

    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"(?<![\w.])(?:version\s+|v(?=\d)|@\s*|as\s+|ver\s+|release\s+)?(?<v>\d+\.\d+\.\d+(?:-[0-9a-z][0-9a-z.\-]*)?(?:\+[0-9a-z.\-]+)?)(?![\w.])", RegexOptions.CultureInvariant)]
    private static partial Regex ExactVersion();

    [GeneratedRegex(@"(?<![\w.])(?<v>(?:\^|~|>=|<=|>|<)\s*\d+(?:\.\d+){0,2}(?:\s+(?:<|<=)\s*\d+(?:\.\d+){0,2})?)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionRange();

    [GeneratedRegex(@"(?:version|ver|v|@)\s*(?<v>\d+(?:\.\d+)?)(?![\w.])", RegexOptions.CultureInvariant)]
    private static partial Regex ShortVersion();

    [GeneratedRegex(@"(?<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?<value>""[^""]*""|'[^']*'|[^\s,;]+)", RegexOptions.CultureInvariant)]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"\b(?:rows?|lines?|records?|entries|entry|items?)\s+(?:of|in|from)\s+(?:the\s+)?(?:file\s+)?(?<f>[^\s,;]+)", RegexOptions.CultureInvariant)]
    private static partial Regex RowsOfFile();

    [GeneratedRegex(@"(?<![\w.])(?<f>[\w\-./]+\.(?:csv|tsv|jsonl|ndjson|json|txt))(?![\w])", RegexOptions.CultureInvariant)]
    private static partial Regex DataFile();

    [GeneratedRegex(@"\b(?:for\s+(?:each|every|all)\s+(?:the\s+)?(?:rows?|lines?|records?|entries|entry|items?)|(?:each|every|per)\s+(?:rows?|lines?|records?|entry|item)|as\s+a\s+batch|in\s+batch|batch)\b", RegexOptions.CultureInvariant)]
    private static partial Regex BatchMarker();

    [GeneratedRegex(@"(?:\b(?:and|then|also|plus|afterwards|after that)\b|;)\s*(?:,\s*)?(?:(?:then|also|after that)\s+)*(?<verb>generate|create|run|execute|update|modify|change|delete|remove|drop|publish|release|search|find|load|download|batch)\b(?<rest>.*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex SecondCommand();

    [GeneratedRegex(@"\b(?:in\s+(?:the\s+)?)?category\s+(?<c>[a-z][a-z0-9]*)", RegexOptions.CultureInvariant)]
    private static partial Regex CategoryWord();

    [GeneratedRegex(@"\btask\s+(?<t>[a-z][a-z0-9]*)", RegexOptions.CultureInvariant)]
    private static partial Regex TaskWord();

    [GeneratedRegex(@"(?:changelog|change log|notes?|message)\s*[:=]?\s*(?<c>.+)\z", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Changelog();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();

    /// <summary>Words that never name a script.</summary>
    private static readonly HashSet<string> NotNames = new(StringComparer.Ordinal)
    {
        "code", "script", "scripts", "the", "a", "an", "my", "this", "that", "these", "those", "tool", "tools", "file", "program", "named", "called",
        "of", "for", "to", "with", "version", "versions", "ver", "latest", "it", "its", "them", "everything", "all", "anything", "something", "me", "us",
        "please", "using", "on", "in", "from", "our", "your", "current", "existing", "old", "new", "one", "again", "now", "and", "then", "also",
        "py", "python", "by", "does", "do", "have", "has", "is", "are", "available", "there", "any", "which", "what", "show", "list", "give",
        "release", "as", "at", "up", "out", "run", "help", "about", "params", "parameters", "args", "arguments", "each", "every", "row", "rows",
        "history", "info", "details", "content", "contents", "source", "agent", "agents", "linked", "i", "we", "you", "can", "use", "work", "works",
        "get", "see", "use", "delete", "update", "load", "publish", "search", "find", "generate", "create", "remove", "execute", "job", "batch",
    };

    private static readonly HashSet<string> HelpTopics = new(StringComparer.Ordinal)
    {
        "search", "load", "run", "publish", "lockfile", "generate", "update", "delete", "batch", "versions", "tools", "tiers",
    };

    /// <summary>Words dropped from a description when picking its category and task.</summary>
    private static readonly HashSet<string> DescriptionStopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "some", "simple", "small", "quick", "new", "basic", "little", "python", "py", "that", "which", "to", "for", "of", "and", "or",
        "in", "on", "with", "from", "into", "my", "me", "it", "can", "will", "should", "would", "is", "are", "be", "two", "three", "given", "any", "all",
        "this", "script", "code", "program", "function", "tool", "please", "does", "do", "takes", "take", "returns", "return", "by", "as", "at", "so",
        "numbers", "number", "list", "data",
    };

    private static readonly HashSet<string> ScriptNouns = new(StringComparer.Ordinal) { "script", "program", "tool", "function", "code", "utility" };

    /// <summary>Words the typo fixer may correct to (the verbs and the few nouns that decide an action).</summary>
    private static readonly string[] Vocabulary =
        [.. Verbs.Keys.Where(v => v.Length >= 4), "script", "versions", "tools", "please"];

    /// <summary>Parses one utterance. Never throws on content; an empty one asks what to do.</summary>
    /// <summary>True for a name the Registry could hold (lower case, starts with a letter, at most 64 characters).</summary>
    public static bool IsScriptName(string name) => NamePattern().IsMatch(name);

    public static ParsedIntent Parse(string utterance)
    {
        var original = utterance.Trim();
        if (original.Length == 0)
        {
            return ParsedIntent.Clarify(WhatToDo);
        }

        var (json, withoutJson) = ExtractJsonObject(original);
        var text = Normalise(withoutJson);
        if (Affirmation.IsAnswer(text))
        {
            return Affirmation.IsYes(text) ? new ParsedIntent(ActionKind.Confirm, IntentEntities.None)
                : Affirmation.IsYesWithMore(text) ? ParsedIntent.Clarify(OneRequestAtATime)
                : new ParsedIntent(ActionKind.Cancel, IntentEntities.None);
        }

        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        FixTypos(words);
        text = string.Join(' ', words);

        var (action, rest) = LeadingAction(text);
        if (action == ActionKind.Unspecified)
        {
            return Resolve(text, original, json);
        }

        if (action == ActionKind.Run && BatchMarker().IsMatch(rest))
        {
            action = ActionKind.Batch;
        }

        // A second imperative after "and"/"then" is a second request; free-text actions (generate,
        // update, search) only split on a verb that names a script, since their text may say "and find".
        if (SecondCommand().Match(rest) is { Success: true } second
            && (action is not (ActionKind.Generate or ActionKind.Update or ActionKind.Search)
                || LooksLikeTarget(second.Groups["rest"].Value)))
        {
            return ParsedIntent.Clarify(OneRequestAtATime);
        }

        return action switch
        {
            ActionKind.Generate => Generate(rest, original),
            ActionKind.Run => Targeted(ActionKind.Run, rest, original, json, withParams: true),
            ActionKind.Batch => Batch(text, rest, original, json),
            ActionKind.Update => Update(rest, original),
            ActionKind.Delete => Targeted(ActionKind.Delete, rest, original, json: null, withParams: false),
            ActionKind.Search => Search(rest, original),
            ActionKind.Load => Load(rest, original),
            ActionKind.Publish => Publish(rest, original),
            ActionKind.Help => Help(rest),
            ActionKind.Versions => Versions(rest, original),
            ActionKind.Tools => new ParsedIntent(ActionKind.Tools, IntentEntities.None),
            _ => Resolve(text, original, json),
        };
    }

    /// <summary>No verb up front: "show versions of X", "what tools do I have", "X versions", "help me with X".</summary>
    private static ParsedIntent Resolve(string text, string original, string? json)
    {
        var words = text.Split(' ');
        bool Has(params string[] any) => words.Any(w => any.Contains(w));
        if (Has("versions") || text.Contains("version history", StringComparison.Ordinal) || text.Contains("which version", StringComparison.Ordinal)
            || text.Contains("what version", StringComparison.Ordinal))
        {
            return Versions(text, original);
        }

        if (Has("tools", "tool"))
        {
            return new ParsedIntent(ActionKind.Tools, IntentEntities.None);
        }

        if (Has("help", "usage") || text.StartsWith("how ", StringComparison.Ordinal))
        {
            return Help(text);
        }

        if (Has("code", "content", "contents", "source") && FindName(text) is not null)
        {
            return Load(text, original);
        }

        if (Has("scripts", "script") && !Has("run", "execute", "delete"))
        {
            return Search(StripLeading(text, Openness), original);
        }

        // Without a verb, only a word spelled like a script ("x.py", "math_addition_001") counts as a name.
        var name = FindName(text, requireMarked: true);
        return name is null
            ? ParsedIntent.Clarify(WhatToDo)
            : ParsedIntent.Clarify($"What should I do with {name}? I can run, update, delete, load or explain it, or show its versions.",
                new IntentEntities(Name: name, ParamsJson: json));
    }

    private static ParsedIntent Generate(string rest, string original)
    {
        var description = DescriptionOf(rest);
        if (description.Length == 0)
        {
            return ParsedIntent.Clarify("What should the script do? For example: \"generate code for a math addition script\".");
        }

        var (category, task) = CategoryAndTask(description);
        var originalDescription = TailFrom(original, description) ?? description;
        return new ParsedIntent(ActionKind.Generate, new IntentEntities(Category: category, Task: task, Query: originalDescription));
    }

    /// <summary>Run and delete: a script name, a version, and for run its params.</summary>
    private static ParsedIntent Targeted(ActionKind action, string rest, string original, string? json, bool withParams)
    {
        var paramsJson = withParams ? json ?? KeyValueParams(original, rest) : null;
        var scan = withParams ? WithoutParams(rest) : rest;
        var version = VersionOf(scan);
        var name = FindName(WithoutVersion(scan, version));
        if (name is null)
        {
            var verb = action == ActionKind.Run ? "run" : "delete";
            return ParsedIntent.Clarify($"Which script should I {verb}? Give its name, for example \"{verb} code math_addition_001.py\".",
                new IntentEntities(Version: version, ParamsJson: paramsJson));
        }

        return new ParsedIntent(action, new IntentEntities(Name: name, Version: version, ParamsJson: paramsJson));
    }

    private static ParsedIntent Batch(string text, string rest, string original, string? json)
    {
        var file = RowsOfFile().Match(text) is { Success: true } rows ? rows.Groups["f"].Value
            : DataFile().Match(text) is { Success: true } data ? data.Groups["f"].Value
            : null;
        file = file?.TrimEnd('.', ',', ';', ':', '!', '?', '\'', '"');
        var scan = BatchMarker().Replace(WithoutParams(rest), " ");
        if (file is not null)
        {
            scan = scan.Replace(file, " ", StringComparison.Ordinal);
            file = OriginalSpelling(original, file);
        }

        var version = VersionOf(scan);
        var name = FindName(WithoutVersion(scan, version));
        var entities = new IntentEntities(Name: name, Version: version, File: file, ParamsJson: json ?? KeyValueParams(original, rest));
        if (name is null)
        {
            return ParsedIntent.Clarify("Which script should run for each row? For example: \"run math_addition_001 for each row of rows.csv\".", entities);
        }

        return file is null
            ? ParsedIntent.Clarify($"Which file's rows should {name} run for? Attach it and name it, for example \"run {name} for each row of rows.csv\".", entities)
            : new ParsedIntent(ActionKind.Batch, entities);
    }

    private static ParsedIntent Update(string rest, string original)
    {
        var name = FindName(rest);
        if (name is null)
        {
            return ParsedIntent.Clarify("Which script should I update? For example: \"update code math_addition_001.py to print 'Sum: 5'\".");
        }

        var instruction = InstructionAfter(original, name);
        return instruction is null
            ? ParsedIntent.Clarify($"What should change in {name}? For example: \"update code {name}.py to print 'Sum: 5'\".", new IntentEntities(Name: name))
            : new ParsedIntent(ActionKind.Update, new IntentEntities(Name: name, Instruction: instruction));
    }

    private static ParsedIntent Search(string rest, string original)
    {
        var category = CategoryWord().Match(rest) is { Success: true } c ? c.Groups["c"].Value : null;
        var scan = category is null ? rest : Spaces().Replace(CategoryWord().Replace(rest, " "), " ").Trim();
        var query = QueryOf(scan);
        if (query.Length == 0 && category is null)
        {
            return ParsedIntent.Clarify("What kind of script are you looking for? For example: \"find a script that converts csv to json\".");
        }

        return new ParsedIntent(ActionKind.Search, new IntentEntities(Category: category, Query: TailFrom(original, query) ?? query));
    }

    private static ParsedIntent Load(string rest, string original)
    {
        var version = VersionOf(rest);
        var name = FindName(WithoutVersion(rest, version));
        if (name is null)
        {
            // "get help", "get the versions of x", "show me my tools" after a load-like verb.
            if (rest.Split(' ').Any(w => w is "versions" or "history"))
            {
                return Versions(rest, original);
            }

            if (rest.Split(' ').Any(w => w is "tools"))
            {
                return new ParsedIntent(ActionKind.Tools, IntentEntities.None);
            }

            if (rest.Split(' ').Any(w => w is "help" or "usage"))
            {
                return Help(rest);
            }

            return ParsedIntent.Clarify("Which script should I load? For example: \"load math_addition_001\".", new IntentEntities(Version: version));
        }

        if (rest.Split(' ').Any(w => w is "versions" or "history"))
        {
            return new ParsedIntent(ActionKind.Versions, new IntentEntities(Name: name));
        }

        return new ParsedIntent(ActionKind.Load, new IntentEntities(Name: name, Version: version));
    }

    private static ParsedIntent Publish(string rest, string original)
    {
        var changelog = Changelog().Match(original) is { Success: true } m ? m.Groups["c"].Value.Trim() : null;
        var scan = Changelog().Replace(rest, " ");
        var version = VersionOf(scan);
        var file = scan.Split(' ').Select(w => w.Trim(',', ';', '\'', '"')).FirstOrDefault(w => w.EndsWith(".py", StringComparison.Ordinal));
        var name = FindName(WithoutVersion(scan, version));
        var entities = new IntentEntities(Name: name, Version: version, File: file is null ? null : OriginalSpelling(original, file), Instruction: changelog);
        if (name is null)
        {
            return ParsedIntent.Clarify("Which script should I publish, and as which version? For example: \"publish my_script as 1.2.0\".", entities);
        }

        return version is null
            ? ParsedIntent.Clarify($"Which version should {name} be published as? For example: \"publish {name} as 1.2.0\".", entities)
            : new ParsedIntent(ActionKind.Publish, entities);
    }

    private static ParsedIntent Help(string rest)
    {
        var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim(',', '?', '.', '!', '\'', '"')).ToArray();
        var name = FindName(rest, requireMarked: words.Any(HelpTopics.Contains));
        if (name is not null)
        {
            return new ParsedIntent(ActionKind.Help, new IntentEntities(Name: name));
        }

        var topic = words.FirstOrDefault(HelpTopics.Contains);
        return new ParsedIntent(ActionKind.Help, new IntentEntities(Query: topic));
    }

    private static ParsedIntent Versions(string rest, string original)
    {
        _ = original;
        var name = FindName(rest);
        return name is null
            ? ParsedIntent.Clarify("Versions of which script? For example: \"show versions of math_addition_001\".")
            : new ParsedIntent(ActionKind.Versions, new IntentEntities(Name: name));
    }

    /// <summary>The leading action word (after politeness) and the words after it.</summary>
    private static (ActionKind Action, string Remainder) LeadingAction(string text)
    {
        foreach (var (opener, action) in Openers)
        {
            if (text == opener || text.StartsWith(opener + " ", StringComparison.Ordinal))
            {
                return (action, text[opener.Length..].Trim());
            }
        }

        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var first = space < 0 ? text : text[..space];
        var rest = space < 0 ? "" : text[(space + 1)..];
        if (!Verbs.TryGetValue(first, out var verb))
        {
            return (ActionKind.Unspecified, text);
        }

        // "code for a hello script" is the seed's "generate code …" without its verb, but "code x.py"
        // names a script: leave that to the resolver.
        if (first == "code" && FindName(rest, requireMarked: true) is not null)
        {
            return (ActionKind.Unspecified, text);
        }

        // "make a script ..." and "create ..." generate; "run" with a data file and a batch marker is a batch.
        return (verb, rest);
    }

    /// <summary>
    /// The script a request targets: a token spelled like a script (".py", an underscore) wins;
    /// otherwise the first word after the verb and its fillers ("the script", "code") that can be a
    /// name. <paramref name="requireMarked"/> accepts only the first kind.
    /// </summary>
    private static string? FindName(string text, bool requireMarked = false)
    {
        var tokens = text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t.Trim(',', ';', ':', '!', '?', '\'', '"', '(', ')', '`', '[', ']', '@'))
            .Where(t => t.Length > 0)
            .ToList();
        foreach (var token in tokens)
        {
            var core = token.EndsWith(".py", StringComparison.Ordinal) ? token[..^3] : token.TrimEnd('.');
            if ((token.EndsWith(".py", StringComparison.Ordinal) || core.Contains('_', StringComparison.Ordinal)) && NamePattern().IsMatch(core))
            {
                return core;
            }
        }

        if (requireMarked)
        {
            return null;
        }

        foreach (var token in tokens)
        {
            var core = token.TrimEnd('.');
            if (core.EndsWith("'s", StringComparison.Ordinal))
            {
                core = core[..^2];
            }

            if (NotNames.Contains(core) || DataFile().IsMatch(core))
            {
                continue;
            }

            // The first word that is not filler is the name, or there is none (never skip past it).
            return NamePattern().IsMatch(core) && !core.All(char.IsDigit) ? core : null;
        }

        return null;
    }

    private static bool LooksLikeTarget(string rest) =>
        FindName(rest, requireMarked: true) is not null
        || rest.TrimStart().StartsWith("code", StringComparison.Ordinal)
        || rest.TrimStart().StartsWith("it", StringComparison.Ordinal)
        || rest.Contains("everything", StringComparison.Ordinal);

    private static string? VersionOf(string text)
    {
        if (ExactVersion().Match(text) is { Success: true } exact)
        {
            return exact.Groups["v"].Value;
        }

        if (VersionRange().Match(text) is { Success: true } range)
        {
            return Spaces().Replace(range.Groups["v"].Value, " ").Replace("^ ", "^", StringComparison.Ordinal)
                .Replace("~ ", "~", StringComparison.Ordinal).Replace(">= ", ">=", StringComparison.Ordinal).Replace("< ", "<", StringComparison.Ordinal);
        }

        return ShortVersion().Match(text) is { Success: true } shortVersion ? shortVersion.Groups["v"].Value : null;
    }

    private static string WithoutVersion(string text, string? version)
    {
        if (version is null)
        {
            return text;
        }

        var stripped = ExactVersion().Replace(text, " ");
        stripped = VersionRange().Replace(stripped, " ");
        return ShortVersion().Replace(stripped, " ");
    }

    /// <summary>"with a=1 b=two" (values typed as JSON when they parse, else strings), as a JSON object.</summary>
    private static string? KeyValueParams(string original, string rest)
    {
        _ = rest;
        var matches = KeyValue().Matches(original);
        if (matches.Count == 0)
        {
            return null;
        }

        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (Match match in matches)
            {
                writer.WritePropertyName(match.Groups["key"].Value);
                WriteValue(writer, match.Groups["value"].Value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter writer, string raw)
    {
        if (raw.Length >= 2 && (raw[0] == '"' || raw[0] == '\'') && raw[^1] == raw[0])
        {
            writer.WriteStringValue(raw[1..^1]);
            return;
        }

        raw = raw.TrimEnd('.', '!', '?');
        if (raw is "true" or "false" or "null" || double.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            try
            {
                using var document = JsonDocument.Parse(raw);
                document.RootElement.WriteTo(writer);
                return;
            }
            catch (JsonException)
            {
                // "1e5000" and friends: keep the text.
            }
        }

        writer.WriteStringValue(raw);
    }

    private static string WithoutParams(string text) => KeyValue().Replace(text, " ");

    /// <summary>The first balanced JSON object in the text, validated, and the text without it.</summary>
    private static (string? Json, string Remainder) ExtractJsonObject(string text)
    {
        var start = text.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
        {
            return (null, text);
        }

        var depth = 0;
        var inString = false;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
            }
            else if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && --depth == 0)
            {
                var candidate = text[start..(i + 1)];
                try
                {
                    using var document = JsonDocument.Parse(candidate);
                    var compact = document.RootElement.GetRawText();
                    var rest = text[..start] + " " + text[(i + 1)..];
                    // "with params {...}" / "using {...}": the connecting words go with the object.
                    rest = Regex.Replace(rest, @"\b(?:with|using)\s+(?:(?:the\s+)?(?:params|parameters|args|arguments|input)\s*[:=]?\s*)?\s*\z|\b(?:with|using)\s+(?:(?:the\s+)?(?:params|parameters|args|arguments|input)\s*[:=]?)?\s+(?=\s)", " ",
                        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
                    return (compact, rest);
                }
                catch (JsonException)
                {
                    return (null, text);
                }
            }
        }

        return (null, text);
    }

    /// <summary>Lower case, straight quotes, no trailing punctuation, no politeness, single spaces.</summary>
    private static string Normalise(string text)
    {
        var lower = text.ToLowerInvariant().Replace('’', '\'').Replace('‘', '\'').Replace('“', '"').Replace('”', '"');
        lower = Spaces().Replace(lower, " ").Trim().TrimEnd('.', '!', '?', ' ', ';');
        for (var i = 0; i < 3; i++)
        {
            var before = lower;
            lower = PolitePrefix().Replace(lower, "").Trim();
            lower = PoliteSuffix().Replace(lower, "").Trim().TrimEnd('.', '!', '?', ' ', ',');
            if (lower == before)
            {
                break;
            }
        }

        return lower;
    }

    /// <summary>
    /// Corrects a misspelt action word ("genrate", "excute", "udpate", "serach") in the first two
    /// positions only: later words are the user's own free text and names, left as they are.
    /// </summary>
    private static void FixTypos(string[] words)
    {
        for (var i = 0; i < Math.Min(2, words.Length); i++)
        {
            var word = words[i];
            if (word.Length < 4 || Verbs.ContainsKey(word) || !word.All(char.IsAsciiLetterLower))
            {
                continue;
            }

            var allowed = word.Length >= 8 ? 2 : 1;
            string? best = null;
            var bestDistance = int.MaxValue;
            foreach (var candidate in Vocabulary)
            {
                var distance = EditDistance.Osa(word, candidate, allowed);
                if (distance <= allowed && distance < bestDistance)
                {
                    (best, bestDistance) = (candidate, distance);
                }
            }

            if (best is not null)
            {
                words[i] = best;
            }
        }
    }

    /// <summary>The description after "generate" and its fillers ("code for a", "a script that").</summary>
    private static string DescriptionOf(string rest)
    {
        var description = Regex.Replace(rest,
            @"^(?:(?:me|us|some|a|an|the|new|python|py|quick|simple|small|code|script|program|function|tool|for|to|that|which|who|:|-)\s+)*",
            "", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        return description.Trim();
    }

    /// <summary>
    /// Category and task: "category X task Y" when said; else the two words before "script" ("a math
    /// addition script" → math, addition; "a hello script" → general, hello); else the first two content words.
    /// </summary>
    internal static (string Category, string Task) CategoryAndTask(string description)
    {
        var explicitCategory = CategoryWord().Match(description) is { Success: true } c ? c.Groups["c"].Value : null;
        var explicitTask = TaskWord().Match(description) is { Success: true } t ? t.Groups["t"].Value : null;
        var words = Regex.Split(description, @"[^a-z0-9]+", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50))
            .Where(w => w.Length > 0 && char.IsAsciiLetterLower(w[0])).ToList();
        var nounAt = words.FindIndex(ScriptNouns.Contains);
        List<string> picked;
        if (nounAt > 0)
        {
            picked = [.. words.Take(nounAt).Where(w => !DescriptionStopWords.Contains(w)).TakeLast(2)];
        }
        else
        {
            picked = [.. words.Where(w => !DescriptionStopWords.Contains(w) && w is not ("category" or "task")).Take(2)];
        }

        var category = explicitCategory ?? (picked.Count >= 2 ? picked[0] : "general");
        var task = explicitTask ?? (picked.Count >= 2 ? picked[1] : picked.Count == 1 ? picked[0] : "script");
        return (Clip(category), Clip(task));
    }

    private static string Clip(string word) => word.Length > 24 ? word[..24] : word;

    private static string QueryOf(string rest)
    {
        var query = Regex.Replace(rest,
            @"^(?:(?:for|me|us|a|an|the|some|any|all|scripts?|tools?|code|that|which|who|to|about|on|related to|with|can|could|will|would|something|one|anything|i|we|you|have|got|in the registry|in registry)\s+)*",
            "", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        query = Regex.Replace(query, @"(?:\s+(?:scripts?|tools?|code|in the registry|please|available))+\z", "", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        return query.Trim().Trim('?', '.', '!', ',');
    }

    /// <summary>The instruction after the script's name, in the user's own case: "… X.py to print 'Sum: 5'".</summary>
    private static string? InstructionAfter(string original, string name)
    {
        var match = Regex.Match(original, Regex.Escape(name) + @"(?:\.py)?\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        if (!match.Success)
        {
            return null;
        }

        var after = original[(match.Index + match.Length)..];
        after = Regex.Replace(after, @"^[\s,:\-]*(?:(?:so that|so it|so|to|and make it|and|by|with|now|in order to|such that|:|-)\s+)?", "",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50)).Trim();
        after = PoliteSuffix().Replace(after.ToLowerInvariant(), "") is var trimmed && trimmed.Length < after.Length ? after[..trimmed.Length] : after;
        after = after.Trim().TrimEnd('.', '!', '?');
        return after.Length == 0 ? null : after;
    }

    /// <summary>The words of <paramref name="lowerTail"/> as the user typed them (case kept), or null when not found.</summary>
    private static string? TailFrom(string original, string lowerTail)
    {
        if (lowerTail.Length == 0)
        {
            return null;
        }

        var at = original.IndexOf(lowerTail, StringComparison.OrdinalIgnoreCase);
        return at < 0 ? null : original.Substring(at, lowerTail.Length);
    }

    private static string OriginalSpelling(string original, string lower)
    {
        var at = original.IndexOf(lower, StringComparison.OrdinalIgnoreCase);
        return at < 0 ? lower : original.Substring(at, lower.Length);
    }

    private static string StripLeading(string text, HashSet<string> words)
    {
        var tokens = text.Split(' ').ToList();
        while (tokens.Count > 0 && words.Contains(tokens[0]))
        {
            tokens.RemoveAt(0);
        }

        return string.Join(' ', tokens);
    }
}
