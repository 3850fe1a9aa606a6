namespace ScriptPlatform.Cli.Infrastructure;

/// <summary>
/// A failure shown to a person or an agent in the seed's error shape:
/// <c>{"error": code, "message": ..., "suggestion": ..., "available_in": ...}</c>.
/// <see cref="ExitCode"/> is 1 when the operation failed, 2 when the input was unusable.
/// </summary>
public sealed class CliError(string code, string message, string? suggestion = null, string? availableIn = null, int exitCode = 1)
    : Exception(message)
{
    public const int Failed = 1;
    public const int Usage = 2;

    public string Code { get; } = code;

    public string? Suggestion { get; } = suggestion;

    public string? AvailableIn { get; } = availableIn;

    public int ExitCode { get; } = exitCode;

    public static CliError UsageError(string code, string message, string? suggestion = null) => new(code, message, suggestion, exitCode: Usage);

    /// <summary>The seed's error object.</summary>
    public ErrorBody ToBody() => new(Code, Message, Suggestion, AvailableIn);
}

/// <summary>The JSON body of an error.</summary>
public sealed record ErrorBody(string Error, string Message, string? Suggestion, string? AvailableIn);
