using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ScriptPlatform.ServiceDefaults;

/// <summary>
/// Stops the service when the process that launched it (the AppHost) is gone, so that killing the
/// AppHost outright still leaves nothing running. Active only when <c>ScriptPlatform:ParentProcessId</c> is set.
/// </summary>
internal sealed class ParentProcessWatch(IConfiguration configuration, IHostApplicationLifetime lifetime, ILogger<ParentProcessWatch> logger)
    : BackgroundService
{
    public const string ConfigurationKey = "ScriptPlatform:ParentProcessId";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!int.TryParse(configuration[ConfigurationKey], out var parent))
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!Directory.Exists($"/proc/{parent}"))
            {
                logger.LogWarning("Parent process {ParentProcessId} is gone; stopping.", parent);
                lifetime.StopApplication();
                return;
            }
        }
    }
}
