using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScriptPlatform.Sandbox.Harness;
using ScriptPlatform.Sandbox.Limits;
using ScriptPlatform.Sandbox.Metadata;
using ScriptPlatform.Sandbox.Runners;
using ScriptPlatform.Sandbox.Slots;
using ScriptPlatform.Sandbox.Supervision;
using ScriptPlatform.Sandbox.Warm;

namespace ScriptPlatform.Sandbox;

/// <summary>
/// The sandbox: validates a job, resolves its limits, waits for a slot and runs the job cold (a new
/// sandbox) or warm (a pre-started sandbox that already imported the script) under the supervisor.
/// </summary>
public sealed partial class ScriptSandbox : ISandbox, IAsyncDisposable
{
    /// <summary>Largest params object accepted.</summary>
    public const int MaxParamsBytes = 1 << 20;

    // Time the supervisor allows beyond the wall clock for sandbox start-up and the harness's own
    // timeout to report before it tears the sandbox down itself.
    private static readonly TimeSpan SupervisorSlack = TimeSpan.FromSeconds(1);

    private readonly SandboxOptions _options;
    private readonly ILogger<ScriptSandbox> _logger;
    private readonly ISandboxRunner _runner;
    private readonly RuntimeProfile _profile;
    private readonly SlotPool _slots;
    private readonly SemaphoreSlim _prepare = new(1, 1);
    private readonly Lock _standbyLock = new();
    private readonly bool _standby;
    private readonly string? _ownWorkDirectory;
    private int _disposed;
    private bool _prepared;

    public ScriptSandbox(IOptions<SandboxOptions> options, ILogger<ScriptSandbox> logger)
    {
        _options = options.Value;
        _logger = logger;
        _ownWorkDirectory = string.IsNullOrEmpty(_options.WorkDirectory) ? Directory.CreateTempSubdirectory("scriptplatform-sandbox-").FullName : null;
        var files = new HarnessFiles(_ownWorkDirectory ?? _options.WorkDirectory, _options.PythonPath);
        _runner = _options.Runtime switch
        {
            SandboxRuntime.Bubblewrap => new BubblewrapRunner(_options, files, _options.UseCgroups ? SlotCgroups.TryCreate() : null,
                Environment.IsPrivilegedProcess ? new SlotNetworkNamespaces(_ownWorkDirectory ?? _options.WorkDirectory) : null),
            SandboxRuntime.Oci => new OciRunner(_options, files),
            _ => throw new ArgumentOutOfRangeException(nameof(options), _options.Runtime, "unknown sandbox runtime"),
        };
        _profile = RuntimeProfile.For(_options.Runtime);
        // Standby sandboxes for bubblewrap only: an OCI runtime's containers are the operator's to see and manage.
        _standby = _options.StandbySandboxes && _options.Runtime == SandboxRuntime.Bubblewrap;
        _slots = new SlotPool(_options.Slots, _standby ? 2 * _options.Slots : _options.Slots, _options.BaseUid);
    }

    /// <summary>The slots' host uids (twice <see cref="SandboxOptions.Slots"/> with standby sandboxes); every process of these uids belongs to a sandbox.</summary>
    public IReadOnlyList<int> SlotUids => _slots.All.Select(s => s.Uid).ToList();

    /// <summary>Host pids of the standby sandboxes now waiting for a job (their outermost process).</summary>
    internal IReadOnlyList<int> StandbyProcessIds => _slots.All.Select(s => s.Standby?.WaitForProcessId()).OfType<int>().ToList();

    public async Task<SandboxResult> RunAsync(SandboxJob job, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var clock = Stopwatch.StartNew();
        ScriptMetadata metadata;
        ResourceLimits limits;
        List<string> importNames;
        try
        {
            ValidateParams(job.ParamsJson);
            metadata = job.Metadata ?? ScriptMetadataParser.Parse(job.Source);
            importNames = metadata.Dependencies.Select(ScriptMetadataParser.ImportName).ToList();
            limits = LimitResolver.Resolve(_profile, metadata, job.Limits, _options.Maxima);
        }
        catch (Exception ex) when (ex is ScriptMetadataException or ArgumentException)
        {
            var kind = ex is ScriptMetadataException ? "invalid_metadata" : ex is InvalidParamsException ? "invalid_params" : "invalid_limits";
            return new SandboxResult { Status = SandboxStatus.Invalid, Error = new SandboxError(kind, ex.Message), ExitReason = "rejected before running", Duration = clock.Elapsed };
        }

        var network = metadata.Network && _options.AllowNetwork && job.Limits?.Network != false;
        if (metadata.Network && !network)
        {
            LogNetworkDenied(job.ScriptName, _options.AllowNetwork ? "the caller withholds it" : "operator policy denies it");
        }

        // A standby sandbox has no network (its seccomp filter and namespace are chosen at start).
        var standbyKey = _standby && !job.Warm && !network ? StandbySandbox.KeyFor(limits) : null;
        SlotPool.SlotLease lease;
        try
        {
            await PrepareAsync(ct).ConfigureAwait(false);
            lease = await _slots.AcquireAsync(job.Warm ? WarmWorker.KeyFor(job, limits, network) : null, standbyKey, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new SandboxResult { Status = SandboxStatus.Cancelled, ExitReason = "cancelled while waiting for a free slot", Duration = clock.Elapsed, Limits = limits };
        }

        var slot = lease.Slot;
        try
        {
            var output = new OutputCollector(_options.TailKb * 1024, limits.OutputKb * 1024L, job.OnOutput);
            var oomKillsBefore = _runner.OomKills(slot);
            bool OomKilled() => _runner.OomKills(slot) > oomKillsBefore;
            var run = new JobRun(lease, job, limits, network, standbyKey, importNames, output, OomKilled);
            var outcome = job.Warm ? await RunWarmAsync(run, ct).ConfigureAwait(false) : await RunColdAsync(run, ct).ConfigureAwait(false);
            output.Complete();
            var result = ResultMapper.Map(outcome, metadata, limits);
            if (result.Status != SandboxStatus.Success && OomKilled())
            {
                // The kernel killed a process for the slot's memory limit between two polls: that,
                // not the signal or exit the harness saw, is why the job failed.
                result = ResultMapper.MemoryExceeded(limits);
            }

            result = result with
            {
                Stdout = output.StdoutTail,
                Stderr = output.StderrTail,
                OutputTruncated = output.Truncated,
                Duration = clock.Elapsed,
                Limits = limits,
                Warm = job.Warm,
            };
            LogFinished(job.ScriptName, job.ScriptVersion ?? "-", slot.Index, result.Status, result.ExitReason, clock.ElapsedMilliseconds);
            return result;
        }
        finally
        {
            if (standbyKey is not null)
            {
                StartStandby(slot, limits, standbyKey);
            }

            lease.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Idempotent: AddScriptSandbox exposes one instance as both ScriptSandbox and ISandbox, and the
        // container disposes what each registration handed out. Under the lock StartStandby takes, so a standby being
        // started now is in its slot before the slots are emptied below, and none is started after.
        lock (_standbyLock)
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
        }

        foreach (var slot in _slots.All)
        {
            await DiscardWarmAsync(slot).ConfigureAwait(false);
            await DiscardStandbyAsync(slot).ConfigureAwait(false);
            _runner.Release(slot);
        }

        _slots.Dispose();
        _prepare.Dispose();
        if (_ownWorkDirectory is not null)
        {
            DeleteWorkDirectory(_ownWorkDirectory);
        }
    }

    // A job abandoned by its caller (a cancelled smoke run) may still be writing its folder while the
    // sandbox is disposed: try again briefly, then leave the rest to the temp folder's own cleanup.
    private static void DeleteWorkDirectory(string directory)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(50 * attempt);
            }
            catch (IOException)
            {
                return;
            }
        }
    }

    private async Task<Supervised> RunColdAsync(JobRun run, CancellationToken ct)
    {
        await DiscardWarmAsync(run.Slot).ConfigureAwait(false);
        await using var session = await TakeStandbyAsync(run.Slot, run.StandbyKey).ConfigureAwait(false)
            ?? HarnessSession.Start(_runner, run.Slot, run.Limits, run.Network, _logger);
        if (run.StandbyKey is { } standbyKey)
        {
            StartStandbyAhead(run.Limits, standbyKey);
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(run.Limits.WallClockSeconds) + SupervisorSlack);
        var init = HarnessProtocol.InitFrame(run.Job.Source, run.ImportNames, _options.SitePackages, run.Limits, warm: false);
        var request = HarnessProtocol.JobFrame(1, run.Job.ParamsJson, run.Limits.WallClockSeconds, run.Limits.CpuSeconds);
        // Sent in the background: a large script or params fill the pipe until the harness reads them,
        // and the harness may never read them (it failed to load, or hangs in import).
        var sending = SendAndCloseAsync(session, [init, request]);
        var outcome = await run.AwaitAsync(session, HarnessProtocol.Load, deadline.Token, ct).ConfigureAwait(false);
        if (ResultMapper.IsLoaded(outcome))
        {
            outcome.Payload!.Dispose();
            outcome = await run.AwaitAsync(session, HarnessProtocol.Result, deadline.Token, ct).ConfigureAwait(false);
        }

        // The job is over; waiting for the kernel to take its sandbox down need not keep another job from starting.
        run.Lease.EndRun();
        try
        {
            // The harness exits once its input is closed; the sweep in WaitForExitAsync proves nothing is left.
            await session.WaitForExitAsync().WaitAsync(SupervisorSlack, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await session.StopAsync().ConfigureAwait(false);
        }

        await sending.ConfigureAwait(false);
        return outcome;
    }

    private async Task<Supervised> RunWarmAsync(JobRun run, CancellationToken ct)
    {
        var slot = run.Slot;
        var key = WarmWorker.KeyFor(run.Job, run.Limits, run.Network);
        if (slot.Warm is { } existing && (existing.Key != key || existing.Session.Stopped))
        {
            await DiscardWarmAsync(slot).ConfigureAwait(false);
        }

        await DiscardStandbyAsync(slot).ConfigureAwait(false); // the slot's uid is the warm worker's alone

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(run.Limits.WallClockSeconds) + SupervisorSlack);
        if (slot.Warm is null)
        {
            var session = HarnessSession.Start(_runner, slot, run.Limits, run.Network, _logger);
            try
            {
                await session.SendAsync(HarnessProtocol.InitFrame(run.Job.Source, run.ImportNames, _options.SitePackages, run.Limits, warm: true)).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // the harness died at once; the supervisor below reports it
            }

            var loaded = await run.AwaitAsync(session, HarnessProtocol.Load, deadline.Token, ct).ConfigureAwait(false);
            if (!ResultMapper.IsLoaded(loaded))
            {
                await session.DisposeAsync().ConfigureAwait(false);
                return loaded;
            }

            loaded.Payload!.Dispose();
            slot.Warm = new WarmWorker(session, key);
        }

        var warm = slot.Warm;
        try
        {
            await warm.Session.SendAsync(HarnessProtocol.JobFrame(warm.NextJobId(), run.Job.ParamsJson, run.Limits.WallClockSeconds, run.Limits.CpuSeconds)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // the worker died between jobs; the supervisor below reports it
        }

        var outcome = await run.AwaitAsync(warm.Session, HarnessProtocol.Result, deadline.Token, ct).ConfigureAwait(false);
        warm.Session.Output = null;
        if (outcome.Verdict != Verdict.Frame)
        {
            await DiscardWarmAsync(slot).ConfigureAwait(false);
        }

        return outcome;
    }

    private static async Task SendAndCloseAsync(HarnessSession session, byte[][] frames)
    {
        try
        {
            foreach (var frame in frames)
            {
                await session.SendAsync(frame).ConfigureAwait(false);
            }

            session.CloseInput();
        }
        catch (IOException)
        {
            // the harness stopped reading: its outcome says why
        }
    }

    // The slot's standby sandbox when it suits the job and is alive; any other is taken down first, since a slot's uid
    // holds one sandbox at a time.
    private static async Task<HarnessSession?> TakeStandbyAsync(SandboxSlot slot, string? key)
    {
        if (slot.Standby is not { } standby)
        {
            return null;
        }

        slot.Standby = null;
        if (standby.Key == key)
        {
            return await standby.TakeAsync().ConfigureAwait(false);
        }

        await standby.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    private static async Task DiscardStandbyAsync(SandboxSlot slot)
    {
        if (slot.Standby is { } standby)
        {
            slot.Standby = null;
            await standby.DisposeAsync().ConfigureAwait(false);
        }
    }

    // While this job runs, a sandbox for a later one starts in an empty place, if any: with one standby per place, taken
    // oldest first, each has a whole job's time to start. (A slot's own standby, started as its job ends, would be taken
    // by the next job at once, before it is ready.)
    private void StartStandbyAhead(ResourceLimits limits, string key)
    {
        using var spare = _slots.TryTakeEmpty();
        if (spare is not null)
        {
            StartStandby(spare.Slot, limits, key);
        }
    }

    // Called by the slot's holder once its cold job's sandbox is gone (or by the holder of an empty place): the next cold
    // job with these limits finds its sandbox started.
    private void StartStandby(SandboxSlot slot, ResourceLimits limits, string key)
    {
        lock (_standbyLock)
        {
            if (_disposed == 0 && slot.Standby is null && slot.Warm is null)
            {
                slot.Standby = new StandbySandbox(() => HarnessSession.Start(_runner, slot, limits, network: false, _logger), key, _logger);
            }
        }
    }

    private static async Task DiscardWarmAsync(SandboxSlot slot)
    {
        if (slot.Warm is { } warm)
        {
            slot.Warm = null;
            await warm.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task PrepareAsync(CancellationToken ct)
    {
        if (_prepared)
        {
            return;
        }

        await _prepare.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_prepared)
            {
                await _runner.PrepareAsync(ct).ConfigureAwait(false);
                // A previous process may have died mid-job: the slots' uids must start empty.
                foreach (var slot in _slots.All)
                {
                    await ProcessSweeper.KillAllAsync(slot.Uid, TimeSpan.Zero).ConfigureAwait(false);
                }

                _prepared = true;
            }
        }
        finally
        {
            _prepare.Release();
        }
    }

    private static void ValidateParams(string paramsJson)
    {
        if (Encoding.UTF8.GetByteCount(paramsJson) > MaxParamsBytes)
        {
            throw new InvalidParamsException($"params exceed {MaxParamsBytes} bytes");
        }

        try
        {
            using var document = JsonDocument.Parse(paramsJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidParamsException($"params must be a JSON object, not {document.RootElement.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture)}");
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidParamsException($"params are not valid JSON: {ex.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Script {Script} declares network access but {Why}; it runs without network")]
    private partial void LogNetworkDenied(string script, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Script {Script} {Version} in slot {Slot}: {Status} ({ExitReason}) in {ElapsedMs} ms")]
    private partial void LogFinished(string script, string version, int slot, SandboxStatus status, string exitReason, long elapsedMs);

    private sealed class InvalidParamsException(string message) : ArgumentException(message);

    /// <summary>Everything one job's run needs once it has a slot.</summary>
    private sealed record JobRun(
        SlotPool.SlotLease Lease, SandboxJob Job, ResourceLimits Limits, bool Network, string? StandbyKey, List<string> ImportNames, OutputCollector Output,
        Func<bool> OomKilled)
    {
        public SandboxSlot Slot => Lease.Slot;

        public Task<Supervised> AwaitAsync(HarnessSession session, byte frame, CancellationToken deadline, CancellationToken caller) =>
            JobSupervisor.AwaitFrameAsync(session, frame, Output, OomKilled, deadline, caller);
    }
}
