"""Builds the sandbox's seccomp filter as raw BPF (bwrap --seccomp FD).

Run on the host with Debian's python3 and python3-seccomp:
    python3 seccomp_filter.py OUTPUT.bpf [--network]

Default allow, with a deny list: the kernel surfaces that let a process escape or attack its
neighbours even after bubblewrap's namespaces, capability drop and read-only mounts. Denied calls
fail with EPERM rather than killing the process so that scripts get a readable Python error.
"""
import errno
import sys

import seccomp

DENIED = [
    # Namespaces, mounts and root changes: the sandbox's layout must stay the one bwrap built.
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    # Inspecting or writing other processes.
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # Large kernel attack surfaces a script never needs.
    "bpf", "userfaultfd", "perf_event_open", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "keyctl", "add_key", "request_key",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "lookup_dcookie",
    "name_to_handle_at", "open_by_handle_at", "fanotify_init",
]

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
CLONE_NEWUSER = 0x10000000
TIOCSTI, TIOCLINUX = 0x5412, 0x541C


def build(network: bool) -> seccomp.SyscallFilter:
    deny = seccomp.ERRNO(errno.EPERM)
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED:
        try:
            f.add_rule(deny, name)
        except (RuntimeError, ValueError):
            pass  # not a syscall on this architecture/libseccomp version
    # clone3 takes its flags in a struct the filter cannot read: ENOSYS makes glibc fall back to
    # clone, whose flags we can check for new user namespaces.
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    f.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER))
    # Pushing characters into the controlling terminal's input queue.
    f.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, TIOCSTI))
    f.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, TIOCLINUX))
    if network:
        # IP sockets only (no netlink, packet or other families).
        for family in (0, 3, 4, 5, 6, 7, 8, 9):
            f.add_rule(deny, "socket", seccomp.Arg(0, seccomp.EQ, family))
        f.add_rule(deny, "socket", seccomp.Arg(0, seccomp.GE, AF_INET6 + 1))
    else:
        f.add_rule(deny, "socket", seccomp.Arg(0, seccomp.NE, AF_UNIX))
    f.add_rule(deny, "socketpair", seccomp.Arg(0, seccomp.NE, AF_UNIX))
    return f


def main() -> None:
    output, network = sys.argv[1], "--network" in sys.argv[2:]
    with open(output, "wb") as out:
        build(network).export_bpf(out)


if __name__ == "__main__":
    main()
