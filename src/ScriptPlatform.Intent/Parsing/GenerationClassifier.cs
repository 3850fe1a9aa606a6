using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Contracts.Intent.V1;
using ScriptPlatform.Intent.Domain;

namespace ScriptPlatform.Intent.Parsing;

/// <summary>
/// <see cref="IIntentClassifier"/> through Generation's Classify rpc (its drafting model). The model may only name an
/// action a request can ask for: never confirm or cancel (a "yes" is the parser's alone), never clarify. Its answer is
/// checked again here: a confidence under <see cref="IntentOptions.MinClassifierConfidence"/>, a name the Registry could
/// not hold, or an action missing what it needs (a run without a script) is no classification. Generation without a
/// model (FAILED_PRECONDITION), down, slow or answering garbage: no classification either, and the user gets the question.
/// </summary>
public sealed partial class GenerationClassifier(
    GenerationService.GenerationServiceClient generation, IOptions<IntentOptions> options, TimeProvider time, ILogger<GenerationClassifier> logger)
    : IIntentClassifier
{
    /// <summary>The actions a model may classify into, by the names Classify uses.</summary>
    internal static readonly IReadOnlyDictionary<string, ActionKind> Actions = new Dictionary<string, ActionKind>(StringComparer.Ordinal)
    {
        ["generate"] = ActionKind.Generate, ["run"] = ActionKind.Run, ["update"] = ActionKind.Update, ["delete"] = ActionKind.Delete,
        ["search"] = ActionKind.Search, ["load"] = ActionKind.Load, ["publish"] = ActionKind.Publish, ["help"] = ActionKind.Help,
        ["versions"] = ActionKind.Versions, ["tools"] = ActionKind.Tools, ["batch"] = ActionKind.Batch,
    };

    private readonly IntentOptions _options = options.Value;

    public async Task<ParsedIntent?> ClassifyAsync(string utterance, ParsedIntent parsed, CallerIdentity caller)
    {
        var request = new ClassifyRequest { Utterance = utterance };
        request.AllowedActions.AddRange(Actions.Keys);
        var limit = time.GetUtcNow().UtcDateTime + _options.ClassifierTimeout;
        var call = caller.Downstream();
        call = call.WithDeadline(caller.Deadline is { } deadline && deadline < limit ? deadline : limit);
        ClassifyResponse response;
        try
        {
            response = await generation.ClassifyAsync(request, call);
        }
        catch (RpcException e) when (!caller.CancellationToken.IsCancellationRequested)
        {
            // No model (FAILED_PRECONDITION), Generation down or the model slow: the user is asked instead.
            LogUnavailable(logger, e.StatusCode, e.Status.Detail);
            return null;
        }

        if (!response.Classified)
        {
            LogUnusable(logger, response.Note);
            return null;
        }

        if (!Actions.TryGetValue(response.Action, out var action) || response.Confidence < _options.MinClassifierConfidence)
        {
            return null;
        }

        var entities = Entities(response.Entities, parsed.Entities);
        return entities is null || !IsComplete(action, entities) ? null : new ParsedIntent(action, entities);
    }

    /// <summary>The model's entities, with the parser's where the model left one out; null when the model's are unusable.</summary>
    private static IntentEntities? Entities(ClassifiedEntities? model, IntentEntities parsed)
    {
        model ??= new ClassifiedEntities();
        var name = Text(model.Name) ?? parsed.Name;
        if (name is not null && !IntentParser.IsScriptName(name))
        {
            return null;
        }

        var paramsJson = Text(model.ParamsJson) is { } json && json != "{}" ? json : parsed.ParamsJson;
        if (paramsJson is not null && !IsJsonObject(paramsJson))
        {
            return null;
        }

        return new IntentEntities(
            Name: name,
            Version: Text(model.Version) ?? parsed.Version,
            Category: Text(model.Category) ?? parsed.Category,
            Task: Text(model.Task) ?? parsed.Task,
            ParamsJson: paramsJson,
            File: Text(model.File) ?? parsed.File,
            Query: Text(model.Query) ?? parsed.Query,
            Instruction: Text(model.Instruction) ?? parsed.Instruction);
    }

    /// <summary>What each action cannot be planned without (the parser asks for the same things).</summary>
    private static bool IsComplete(ActionKind action, IntentEntities e) => action switch
    {
        ActionKind.Generate => e.Query is not null,
        ActionKind.Search => e.Query is not null,
        ActionKind.Update => e.Name is not null && e.Instruction is not null,
        ActionKind.Publish => e.Name is not null && e.Version is not null,
        ActionKind.Batch => e.Name is not null && e.File is not null,
        ActionKind.Run or ActionKind.Delete or ActionKind.Load or ActionKind.Versions => e.Name is not null,
        _ => true,
    };

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No model classification of an ambiguous request ({Code}: {Detail}); asking the user")]
    private static partial void LogUnavailable(ILogger logger, StatusCode code, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "The model's classification of an ambiguous request was not usable ({Note}); asking the user")]
    private static partial void LogUnusable(ILogger logger, string note);
}
