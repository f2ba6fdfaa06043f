"""`compute-ledger ui` (what `make ui` runs): the Dagster UI with its daemon, stopped
cleanly — every process it started included — on Ctrl-C, SIGTERM or SIGHUP.

`dagster dev` alone does not always stop: it maps SIGTERM to whatever SIGINT does, and a
process started in the background by a shell inherits SIGINT *ignored*, so both signals
are then ignored and the webserver, daemon, code servers and run workers keep running.
Here `dagster dev` runs in a process group of its own with SIGINT at its default; a stop
signal is passed on to the whole group as a terminal's Ctrl-C would be (run workers mark
their runs interrupted), and whatever is still running after a grace period is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

#: How long `dagster dev` gets to stop its webserver, daemon and code servers after Ctrl-C
#: (it waits for each child itself) before the whole group is killed.
GRACE_SECONDS = 30.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _group_alive(pgid: int) -> bool:
    """Whether a live process (not a zombie waiting for its parent) is in the group."""
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: ask the kernel (a zombie counts as alive there)
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            # "pid (name) state ppid pgrp ...": the name may hold spaces, so split after it
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def stop_group(child: subprocess.Popen, grace_seconds: float = GRACE_SECONDS) -> None:
    """Ctrl-C to every process of the group; then, past the grace period, SIGKILL to what is
    left."""
    pgid = child.pid
    _signal_group(pgid, signal.SIGINT)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        child.poll()  # reap the leader, else it stays in the group as a zombie
        if not _group_alive(pgid):
            return
        time.sleep(0.2)
    _signal_group(pgid, signal.SIGKILL)
    child.wait()


def serve(workspace: Path, working_dir: Path, host: str, port: int, grace_seconds: float = GRACE_SECONDS) -> int:
    """Run `dagster dev` on `workspace` (in `working_dir`) until it exits or a stop signal
    comes; its exit code (0 when stopped by a signal)."""
    requested: list[int] = []

    def request_stop(signum, _frame):
        requested.append(signum)

    # Installed before the child starts: a handled signal is reset to its default in the
    # child at exec, while an ignored one would stay ignored.
    previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
    command = [sys.executable, "-m", "dagster", "dev", "-w", str(workspace), "-h", host, "-p", str(port)]
    try:
        child = subprocess.Popen(command, cwd=working_dir, start_new_session=True, stdin=subprocess.DEVNULL)
        try:
            while child.poll() is None and not requested:
                time.sleep(0.2)
        finally:
            if child.poll() is None or _group_alive(child.pid):
                stop_group(child, grace_seconds)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if requested else child.returncode
