namespace ScriptPlatform.Generation.Models;

/// <summary>The service's settings, bound from <see cref="SectionName"/>.</summary>
public sealed class GenerationOptions
{
    public const string SectionName = "ScriptPlatform:Generation";

    /// <summary>The model that drafts and repairs scripts. No endpoint: Generate returns a labelled scaffold.</summary>
    public ModelEndpointOptions Drafting { get; set; } = new();

    /// <summary>The optional model that improves a validated draft (comments, error handling).</summary>
    public ModelEndpointOptions Refining { get; set; } = new();

    /// <summary>An OpenAI-compatible <c>/v1/embeddings</c> endpoint for Embed; without one, Embed uses the registered embedder, if any.</summary>
    public ModelEndpointOptions Embeddings { get; set; } = new();

    /// <summary>Repair attempts after a draft fails validation, when the request does not say.</summary>
    public int DefaultMaxRepairs { get; set; } = 2;

    /// <summary>The most repair attempts a request may ask for: every attempt is a paid model call.</summary>
    public int MaxRepairsCap { get; set; } = 5;

    /// <summary>Wall-clock limit of the smoke run in the sandbox.</summary>
    public double SmokeRunTimeoutSeconds { get; set; } = 10;

    /// <summary>How the static inspector (a short-lived Python process) is run.</summary>
    public InspectorOptions Inspector { get; set; } = new();
}

/// <summary>One OpenAI-compatible endpoint (OpenAI, xAI's Grok, Ollama, vLLM, llama.cpp's server ...).</summary>
public sealed class ModelEndpointOptions
{
    /// <summary>Base address including the API version segment, e.g. <c>https://api.openai.com/v1</c> or <c>http://127.0.0.1:11434/v1</c>.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The model's name at that endpoint.</summary>
    public string Model { get; set; } = "";

    /// <summary>The API key; local servers usually ignore it.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Limit of one attempt; a slow local model may need minutes.</summary>
    public double TimeoutSeconds { get; set; } = 120;

    /// <summary>Retries after a 408, 429, 5xx or a timed-out attempt, with exponential backoff (Retry-After honoured).</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>The first backoff; each retry doubles it (with jitter).</summary>
    public double InitialBackoffSeconds { get; set; } = 1;

    /// <summary>USD per million input (prompt) tokens, for the cost returned with each call; 0: not priced.</summary>
    public double InputPricePerMillionTokens { get; set; }

    /// <summary>USD per million output (completion) tokens.</summary>
    public double OutputPricePerMillionTokens { get; set; }

    /// <summary>Sampling temperature; low keeps code drafts conservative.</summary>
    public float Temperature { get; set; } = 0.2f;

    /// <summary>Cap on the reply's tokens.</summary>
    public int MaxOutputTokens { get; set; } = 4096;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint) && !string.IsNullOrWhiteSpace(Model);
}

/// <summary>The static inspector's process limits.</summary>
public sealed class InspectorOptions
{
    /// <summary>The sandbox's interpreter: its standard library and compiler are the ones that count.</summary>
    public string PythonPath { get; set; } = "/usr/bin/python3";

    public double TimeoutSeconds { get; set; } = 10;

    public int MemoryMb { get; set; } = 512;
}
