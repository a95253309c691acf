"""Query workers that cannot open a network connection: the second line against SERVICE.

The parsed-query check (query/guard.py) refuses SERVICE; if it were ever wrong, Oxigraph's own
HTTP client (Rust, not Python's socket module, so patching Python would stop nothing) would
still send the request. So a worker, before it loads the graph, removes its own network in
the kernel:

- a seccomp filter makes socket(AF_INET) and socket(AF_INET6) fail with EPERM for the worker and
  every thread it starts (needs only no_new_privs, so it works without root), and
- where allowed (root, or unprivileged user namespaces), a new empty network namespace as well.

Unix sockets (the pipe to the server) keep working. `deny_network` reports which layers hold;
the pool refuses to start workers that hold none unless SERVICE is allowed.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
EPERM, AF_INET, AF_INET6 = 1, 2, 10
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
# machine -> (AUDIT_ARCH_*, the socket syscall's number)
ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}


def _bpf(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _socket_filter(arch: int, nr: int) -> bytes:
    ld, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    deny = SECCOMP_RET_ERRNO | EPERM
    return b"".join([
        _bpf(ld, 0, 0, 4),  # seccomp_data.arch
        _bpf(jeq, 1, 0, arch),
        _bpf(ret, 0, 0, deny),  # another ABI (e.g. x32/i386 calls): refuse the call
        _bpf(ld, 0, 0, 0),  # seccomp_data.nr
        _bpf(jeq, 0, 4, nr),
        _bpf(ld, 0, 0, 16),  # seccomp_data.args[0], low word: the address family
        _bpf(jeq, 1, 0, AF_INET),
        _bpf(jeq, 0, 1, AF_INET6),
        _bpf(ret, 0, 0, deny),
        _bpf(ret, 0, 0, SECCOMP_RET_ALLOW),
    ])


def _seccomp(libc) -> bool:
    found = ARCHES.get(platform.machine())
    if found is None:
        return False
    program = _socket_filter(*found)
    buf = ctypes.create_string_buffer(program)

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Prog(len(program) // 8, ctypes.addressof(buf))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0


def _namespace(libc) -> bool:
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    return os.getuid() != 0 and libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0


def deny_network() -> list[str]:
    """Cut this process off from the network; the layers that now hold ('seccomp', 'netns')."""
    if platform.system() != "Linux":
        return []
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return []
    layers = []
    if _namespace(libc):  # first: unshare is itself a syscall the filter leaves alone, but keep order plain
        layers.append("netns")
    if _seccomp(libc):
        layers.append("seccomp")
    return layers
