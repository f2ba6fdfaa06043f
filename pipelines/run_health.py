"""Runs whose process died: found by their process id, marked failed.

A run worker killed by SIGKILL, the OOM killer or a crash of the whole `dagster dev`
session leaves its run 'started' for ever: Dagster's run monitoring cannot check a worker
launched by the default run launcher, and the landing sensor would wait for it. (Its write
lock is no concern: the OS frees a dead process's file lock.) A run started by
`compute-ledger run` carries its process id in a tag; a run launched by the UI or the
daemon records it in its "Started process for run (pid: …)" event. Runs of this machine
whose process is gone are marked failed, through Dagster's public `report_run_failed`.
"""

from __future__ import annotations

import os
import socket

import dagster as dg

PID_TAG = "compute_ledger/pid"
HOST_TAG = "compute_ledger/host"
_RUNNING = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.CANCELING]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def worker_pid(instance: dg.DagsterInstance, run: dg.DagsterRun) -> int | None:
    """The process that executes `run` on this machine, if it says which."""
    if run.tags.get(PID_TAG):
        return int(run.tags[PID_TAG]) if run.tags.get(HOST_TAG) == socket.gethostname() else None
    for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        data = entry.dagster_event.engine_event_data if entry.dagster_event else None
        if data is not None and "Started process for run" in (entry.dagster_event.message or ""):
            pid = data.metadata.get("pid")
            return int(getattr(pid, "value", pid)) if pid is not None else None
    return None


def reap_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the running runs of this machine whose process has died; their ids."""
    reaped = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_RUNNING)):
        pid = worker_pid(instance, run)
        if pid and pid != os.getpid() and not alive(pid):
            instance.report_run_failed(run, f"its process ({pid}) died before the run ended")
            reaped.append(run.run_id)
    return reaped
