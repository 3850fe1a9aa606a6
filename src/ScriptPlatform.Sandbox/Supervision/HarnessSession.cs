using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Runners;
using ScriptPlatform.Sandbox.Slots;

namespace ScriptPlatform.Sandbox.Supervision;

/// <summary>A harness running in one sandbox: its process, protocol streams and teardown.</summary>
internal sealed class HarnessSession : IAsyncDisposable
{
    // How long a stopped sandbox's stderr may stay open: its processes are dead, so only a leak keeps it.
    private static readonly TimeSpan StderrDrainTimeout = TimeSpan.FromSeconds(10);
    private readonly ISandboxRunner _runner;
    private readonly Process _process;
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly Task _stderrPump;
    private readonly ILogger _logger;
    private readonly SandboxSlot _slot;
    private readonly string _instanceName;
    private readonly Lock _stopLock = new();
    private Task? _stopping;

    private HarnessSession(ISandboxRunner runner, SandboxSlot slot, ResourceLimits limits, bool network, ILogger logger)
    {
        _runner = runner;
        _logger = logger;
        _slot = slot;
        _instanceName = $"sp-{slot.Uid}-{Guid.NewGuid():N}"[..24];
        _process = runner.Start(slot, limits, network, _instanceName);
        _input = _process.StandardInput.BaseStream;
        _output = _process.StandardOutput.BaseStream;
        _stderrPump = PumpStderrAsync();
    }

    /// <summary>Where the harness's raw stderr goes (script output while it is imported, sandbox errors).</summary>
    public OutputCollector? Output { get; set; }

    public bool Stopped => _stopping is not null;

    /// <summary>The host pid of the sandbox's outermost process (what the runner started).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The harness process has exited (or is being stopped): it can take no job.</summary>
    public bool Gone => Stopped || _process.HasExited;

    public static HarnessSession Start(ISandboxRunner runner, SandboxSlot slot, ResourceLimits limits, bool network, ILogger logger) =>
        new(runner, slot, limits, network, logger);

    /// <summary>Writes a frame; not cancellable on purpose: stopping the sandbox is what ends a stuck write.</summary>
    public async Task SendAsync(byte[] frame)
    {
        await _input.WriteAsync(frame).ConfigureAwait(false);
        await _input.FlushAsync().ConfigureAwait(false);
    }

    public void CloseInput() => _input.Dispose();

    /// <summary>The next frame, or null once the harness has gone (its output closed).</summary>
    public Task<HarnessFrame?> ReadFrameAsync() => HarnessProtocol.ReadAsync(_output);

    /// <summary>Stops the sandbox and everything in it; idempotent and safe to call from any thread.</summary>
    public Task StopAsync()
    {
        lock (_stopLock)
        {
            return _stopping ??= StopCoreAsync();
        }
    }

    /// <summary>Waits for the harness to exit by itself, then makes sure nothing of the slot is left.</summary>
    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        await _stderrPump.ConfigureAwait(false);
        await StopAsync().ConfigureAwait(false);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private async Task StopCoreAsync()
    {
        await TerminateSlotAsync().ConfigureAwait(false);
        var killed = false;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                killed = true;
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        if (killed)
        {
            // Stopped while it was still starting (a standby sandbox discarded at once), the sandbox's outer process can
            // die before the harness it just cloned asked to die with it: the sweep above ran before that child existed,
            // or while the launcher still ran as root. The child runs as the slot's uid, and nothing is left to start
            // another, so a second sweep takes it down (it would otherwise keep the stderr pipe open forever).
            await TerminateSlotAsync().ConfigureAwait(false);
        }

        try
        {
            await _stderrPump.WaitAsync(StderrDrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Something we could not kill still holds the sandbox's stderr: stop reading rather than wait forever.
            _logger.LogError("The sandbox of {Slot} left its stderr open after it was stopped; no longer reading it", _slot);
            _process.StandardError.BaseStream.Dispose();
        }
    }

    private async Task TerminateSlotAsync()
    {
        try
        {
            await _runner.TerminateAsync(_slot, _instanceName, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            _logger.LogError(ex, "Could not tear down the sandbox of {Slot}", _slot);
        }
    }

    private async Task PumpStderrAsync()
    {
        var stream = _process.StandardError.BaseStream;
        var buffer = new byte[16384];
        int n;
        while ((n = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            Output?.Add(OutputStream.Stderr, buffer.AsSpan(0, n));
        }
    }
}
