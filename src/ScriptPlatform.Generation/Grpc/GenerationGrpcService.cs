using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using ScriptPlatform.Contracts.Generation.V1;
using ScriptPlatform.Generation.Classification;
using ScriptPlatform.Generation.Drafting;
using ScriptPlatform.Generation.Models;
using ScriptPlatform.Generation.Validation;
using ScriptPlatform.ServiceDefaults.Grpc;
using ScriptPlatform.ServiceDefaults.Text;
using ProtoEmbedding = ScriptPlatform.Contracts.Generation.V1.Embedding;

namespace ScriptPlatform.Generation.Grpc;

/// <summary>
/// <c>scriptplatform.generation.v1.GenerationService</c>: drafts (model or labelled scaffold), revisions with a
/// diff, summaries and embeddings. Stores nothing: every failure leaves nothing behind.
/// </summary>
[BindServiceMethod(typeof(StrictServiceBinding<GenerationService.GenerationServiceBase>), "BindService")]
public sealed class GenerationGrpcService(
    DraftPipeline pipeline, DraftValidator validator, ChatModels models, ModelGateway gateway, IOptions<GenerationOptions> options, IServiceProvider services)
    : GenerationService.GenerationServiceBase
{
    private static readonly IReadOnlySet<string> ScaffoldStatuses = new HashSet<string>(StringComparer.Ordinal) { Scaffold.NotImplemented };
    private readonly GenerationOptions _options = options.Value;

    /// <summary>Drafts a script from a description: validated by the model loop, or a labelled scaffold without a model.</summary>
    public override async Task<GenerateResponse> Generate(GenerateRequest request, ServerCallContext context)
    {
        var description = RequestRules.RequiredText(request.Description, "description", "say in a sentence what the script should do");
        var category = RequestRules.OptionalIdentifier(request.Category, "category", 24);
        var task = RequestRules.OptionalIdentifier(request.Task, "task", 32);
        var name = RequestRules.OptionalIdentifier(request.Name, "name", 64);
        var example = RequestRules.OptionalJsonObject(request.ExampleParamsJson, "example_params_json");
        var repairs = RequestRules.Repairs(request.MaxRepairs, _options.DefaultMaxRepairs, _options.MaxRepairsCap);
        var ct = context.CancellationToken;
        var ledger = new UsageLedger();

        Draft draft;
        GenerationSource source;
        if (pipeline.HasDraftingModel)
        {
            var validation = new ValidationRequest(example, DraftValidator.Success, request.SkipValidation);
            draft = await pipeline.DraftAsync(Prompts.Generate(description, category, task, name, example), validation, repairs, ledger, ct).ConfigureAwait(false);
            source = GenerationSource.Model;
        }
        else
        {
            var (scaffoldCategory, scaffoldTask) = NameStems.Infer(description, category, task, null);
            var code = Scaffold.Create(description, scaffoldCategory, scaffoldTask, name);
            var checkedScaffold = await validator.ValidateAsync(code, new ValidationRequest(example, ScaffoldStatuses, request.SkipValidation), ct).ConfigureAwait(false);
            if (!checkedScaffold.Ok)
            {
                // The scaffold is the service's own text: failing it is a bug here, not in the request.
                throw new RpcException(new Status(StatusCode.Internal, $"the scaffold failed its own validation: {checkedScaffold.Problems}"));
            }

            draft = new Draft(code, checkedScaffold, "", RefineStatus.Unspecified, "scaffolds are not refined", 1);
            source = GenerationSource.Scaffold;
        }

        var metadata = draft.Validation.Metadata;
        var (finalCategory, finalTask) = NameStems.Infer(description, category, task, metadata?.Category);
        var response = new GenerateResponse
        {
            Content = draft.Code,
            Validation = ProtoMapping.Report(draft.Validation),
            Summary = metadata is null ? Summaries.OneSentence(description) : Summaries.FromMetadata(metadata, name),
            Category = finalCategory,
            Task = finalTask,
            NameStem = NameStems.Stem(finalCategory, finalTask),
            Source = source,
            Scaffold = source == GenerationSource.Scaffold,
            Model = draft.Model,
            Usage = ledger.ToProto(),
            Refine = draft.Refine,
            RefineNote = draft.RefineNote,
            Attempts = draft.Attempts,
        };
        response.Params.AddRange(ProtoMapping.Params(metadata));
        response.CapabilityWarnings.AddRange(ProtoMapping.Capabilities(draft.Validation));
        return response;
    }

    /// <summary>Revises a script per an instruction through the same loop; returns the new content and a unified diff.</summary>
    public override async Task<UpdateResponse> Update(UpdateRequest request, ServerCallContext context)
    {
        var content = RequestRules.RequiredText(request.Content, "content", "send the script's current source", RequestRules.MaxContentBytes);
        var instruction = RequestRules.RequiredText(request.Instruction, "instruction", "say in a sentence what to change");
        var name = RequestRules.OptionalIdentifier(request.Name, "name", 64);
        var currentVersion = RequestRules.OptionalVersion(request.CurrentVersion, "current_version");
        var example = RequestRules.OptionalJsonObject(request.ExampleParamsJson, "example_params_json");
        var repairs = RequestRules.Repairs(request.MaxRepairs, _options.DefaultMaxRepairs, _options.MaxRepairsCap);
        if (!pipeline.HasDraftingModel)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "Update needs a drafting model and none is configured (ScriptPlatform:Generation:Drafting:Endpoint and :Model); edit the script by hand"));
        }

        var ledger = new UsageLedger();
        var validation = new ValidationRequest(example, DraftValidator.Success, request.SkipValidation);
        var draft = await pipeline.DraftAsync(Prompts.Update(content, instruction, example), validation, repairs, ledger, context.CancellationToken).ConfigureAwait(false);
        var metadata = draft.Validation.Metadata;
        var response = new UpdateResponse
        {
            Content = draft.Code,
            Diff = Revisions.UnifiedDiff(content, draft.Code, name),
            Validation = ProtoMapping.Report(draft.Validation),
            Summary = metadata is null ? Summaries.OneSentence(instruction) : Summaries.FromMetadata(metadata, name),
            Changelog = Revisions.Changelog(instruction),
            SuggestedVersion = Revisions.SuggestedVersion(currentVersion ?? "", Revisions.TryParseMetadata(content), metadata),
            Source = GenerationSource.Model,
            Model = draft.Model,
            Usage = ledger.ToProto(),
            Refine = draft.Refine,
            RefineNote = draft.RefineNote,
            Attempts = draft.Attempts,
        };
        response.Params.AddRange(ProtoMapping.Params(metadata));
        response.CapabilityWarnings.AddRange(ProtoMapping.Capabilities(draft.Validation));
        return response;
    }

    /// <summary>One sentence for search: from the drafting model, or extracted from the script's metadata without one.</summary>
    public override async Task<SummariseResponse> Summarise(SummariseRequest request, ServerCallContext context)
    {
        var content = RequestRules.RequiredText(request.Content, "content", "send the source of the script to summarise", RequestRules.MaxContentBytes);
        var name = RequestRules.OptionalIdentifier(request.Name, "name", 64);
        var maxWords = request.MaxWords switch
        {
            0 => Summaries.DefaultMaxWords,
            < 0 or > RequestRules.MaxSummaryWords => throw RequestRules.Invalid($"max_words must be between 1 and {RequestRules.MaxSummaryWords} (0 means {Summaries.DefaultMaxWords})"),
            var n => n,
        };
        if (models.Drafting is not { } model)
        {
            var metadata = Revisions.TryParseMetadata(content) ?? throw RequestRules.Invalid("the content's metadata block is invalid, so there is nothing to extract a summary from");
            return new SummariseResponse { Summary = Summaries.FromMetadata(metadata, name, maxWords), Source = GenerationSource.Extract };
        }

        var ledger = new UsageLedger();
        var reply = await gateway.CompleteAsync(model, "summarise", Prompts.Summarise(content, name, maxWords), ledger, context.CancellationToken).ConfigureAwait(false);
        var summary = Summaries.OneSentence(reply, maxWords);
        if (summary.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the drafting model answered with an empty summary; retry"));
        }

        return new SummariseResponse { Summary = summary, Source = GenerationSource.Model, Model = model.Options.Model, Usage = ledger.ToProto() };
    }

    /// <summary>Embeds texts with the registered embedder; FAILED_PRECONDITION when there is none.</summary>
    public override async Task<EmbedResponse> Embed(EmbedRequest request, ServerCallContext context)
    {
        if (request.Texts.Count == 0)
        {
            throw RequestRules.Invalid("texts is empty; send at least one text to embed");
        }

        if (request.Texts.Count > RequestRules.MaxEmbedTexts)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"{request.Texts.Count} texts in one call; at most {RequestRules.MaxEmbedTexts} are allowed, split them"));
        }

        for (var i = 0; i < request.Texts.Count; i++)
        {
            RequestRules.RequiredText(request.Texts[i], $"texts[{i}]", "every text needs something to embed (leave an empty one out)", RequestRules.MaxEmbedTextBytes);
        }

        var embedder = services.GetService<IEmbeddingGenerator<string, Embedding<float>>>() ?? throw new RpcException(new Status(StatusCode.FailedPrecondition,
            "no embedding model is configured for this service (set ScriptPlatform:Generation:Embeddings:Endpoint and :Model, or register the built-in embedder)"));
        var served = embedder.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? "";
        if (request.Model.Length > 0 && request.Model != served)
        {
            throw RequestRules.Invalid($"this service embeds with '{served}'; leave model empty or ask for that one, not '{TextRules.Shown(request.Model)}'");
        }

        var clock = Stopwatch.StartNew();
        GeneratedEmbeddings<Embedding<float>> vectors;
        try
        {
            vectors = await embedder.GenerateAsync(request.Texts, cancellationToken: context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ModelGateway.Translate("embedding", _options.Embeddings, e, context.CancellationToken) is { } status)
        {
            throw new RpcException(status);
        }

        if (vectors.Count != request.Texts.Count)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"the embedding model returned {vectors.Count} vectors for {request.Texts.Count} texts; retry"));
        }

        var ledger = new UsageLedger();
        ledger.Record("embed", _options.Embeddings, served, vectors.Usage, clock.Elapsed);
        var response = new EmbedResponse { Model = served, Dimensions = vectors[0].Vector.Length, Usage = ledger.ToProto() };
        response.Embeddings.AddRange(vectors.Select(v => Normalised(v.Vector.Span)));
        return response;
    }

    /// <summary>
    /// Classifies an utterance into one of the caller's actions with the drafting model: a short JSON answer read
    /// strictly. A reply that is not usable is an answer with classified = false (and the call's usage), never a guess.
    /// </summary>
    public override async Task<ClassifyResponse> Classify(ClassifyRequest request, ServerCallContext context)
    {
        var utterance = RequestRules.RequiredText(request.Utterance, "utterance", "send what the user wrote");
        var allowed = RequestRules.AllowedActions(request.AllowedActions);
        if (models.Drafting is not { } model)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "Classify needs a drafting model and none is configured (ScriptPlatform:Generation:Drafting:Endpoint and :Model); ask the user instead"));
        }

        var ledger = new UsageLedger();
        var reply = await gateway.CompleteAsync(model, "classify", ClassificationPrompt.Create(utterance, allowed), ledger, context.CancellationToken).ConfigureAwait(false);
        var result = ClassificationReply.Parse(reply, [.. allowed]);
        var response = new ClassifyResponse { Model = model.Options.Model, Usage = ledger.ToProto() };
        if (result.Problem is not null)
        {
            response.Note = result.Problem;
            return response;
        }

        response.Classified = true;
        response.Action = result.Action;
        response.Entities = result.Entities;
        response.Confidence = result.Confidence;
        return response;
    }

    private static ProtoEmbedding Normalised(ReadOnlySpan<float> vector)
    {
        double sum = 0;
        foreach (var x in vector)
        {
            sum += x * x;
        }

        var norm = sum > 0 ? (float)Math.Sqrt(sum) : 1f;
        var embedding = new ProtoEmbedding();
        foreach (var x in vector)
        {
            embedding.Values.Add(x / norm);
        }

        return embedding;
    }
}
