using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ScriptPlatform.Sandbox;

public static class SandboxServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISandbox"/> as a singleton (slots and warm workers are process-wide).
    /// Bind <see cref="SandboxOptions"/> from <see cref="SandboxOptions.SectionName"/> in the host.
    /// </summary>
    public static IServiceCollection AddScriptSandbox(this IServiceCollection services)
    {
        services.AddOptions<SandboxOptions>();
        services.TryAddSingleton<ScriptSandbox>();
        services.TryAddSingleton<ISandbox>(sp => sp.GetRequiredService<ScriptSandbox>());
        return services;
    }
}
