"""Child processes that die with the build, even when it is killed.

A build killed with SIGKILL runs no cleanup: its worker processes and the SHACL check would wait
for work on pipes that never close (each inherited the other ends when it was forked) and stay
forever. On Linux the kernel can send a child a signal when its parent dies (prctl
PR_SET_PDEATHSIG); elsewhere this does nothing, and a killed build may leave them behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Called first thing in a forked child: SIGKILL it when `parent` (the forking process's pid,
    taken before the fork) dies. The signal follows the thread that forked, and the build's
    children all live within the build() call of the thread that started them."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl in this libc: nothing more can be done
        return
    if os.getppid() != parent:  # the parent died before the prctl: the kernel will never tell
        os._exit(1)
