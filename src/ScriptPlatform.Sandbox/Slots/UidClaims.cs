namespace ScriptPlatform.Sandbox.Slots;

/// <summary>
/// Host uids claimed for this process's slots. A slot's sweep kills every process of its uid, so two
/// sandboxes on one host must never share one: Executor replicas started from one configuration (the
/// AppHost's workers) would otherwise all take BaseUid, BaseUid + 1, ... Each uid is claimed with an
/// exclusive lock on a file of its own, held for the life of the pool; the kernel drops it when the
/// process dies, so a crash frees its uids too. A process takes the first free uids from BaseUid up.
/// </summary>
internal sealed class UidClaims : IDisposable
{
    private const int MaxScan = 4096;
    private static readonly string Directory = Path.Combine(Path.GetTempPath(), "scriptplatform-sandbox-uids");
    private readonly List<FileStream> _locks = [];

    public UidClaims(int baseUid, int count)
    {
        System.IO.Directory.CreateDirectory(Directory);
        for (var uid = baseUid; _locks.Count < count; uid++)
        {
            if (uid >= baseUid + MaxScan)
            {
                Dispose();
                throw new InvalidOperationException($"no {count} free sandbox uids from {baseUid} to {baseUid + MaxScan}: other sandboxes hold them (lock files in {Directory})");
            }

            try
            {
                // FileShare.None is an exclusive advisory lock (flock) on Unix: a second holder fails at once.
                _locks.Add(new FileStream(Path.Combine(Directory, $"{uid}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                Uids.Add(uid);
            }
            catch (IOException)
            {
                // Another process's slot.
            }
        }
    }

    public List<int> Uids { get; } = [];

    public void Dispose()
    {
        foreach (var held in _locks)
        {
            held.Dispose();
        }

        _locks.Clear();
    }
}
