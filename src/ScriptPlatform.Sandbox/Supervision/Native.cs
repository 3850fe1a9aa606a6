using System.Runtime.InteropServices;

namespace ScriptPlatform.Sandbox.Supervision;

internal static partial class Native
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    public const int ReadOnly = 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>open(2) without O_CLOEXEC, unlike every descriptor .NET opens: for handing a file to a child process.</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenInheritable(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int GetTid();
}
