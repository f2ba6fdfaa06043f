"""The landing folder under load and faults (`make soak`): nothing lost, nothing stuck.

Starts the real UI and daemon (`compute-ledger ui`, both sensors on) on a private
DAGSTER_HOME, warehouse and landing folder, then for a few minutes drops files as
colleagues do — bursts of small valid files, copies of files already dropped, broken
files, files written slowly in place — while it SIGKILLs a run worker now and then, kills
the whole server once and starts it again, and reads the warehouse every few seconds.
Then it waits for the folder to drain and checks the invariants:

- every valid file accounted for once (accepted and loaded once, in accepted/), every
  copy set aside as a duplicate, every broken file in failed/ with its reason;
- every valid row staged exactly once, and reconciliation adding up;
- no file left in the landing folder, no run left queued or started, the write lock free;
- the warehouse opens and a full `compute-ledger run` succeeds.

It prints them with the time from drop to staging (median, max) and the peak memory of
every process it started, and exits 1 if an invariant fails.

    python -m bench.soak --minutes 3            # what `make soak` runs
    python -m bench.soak --bursts 1 --minutes 1 # the short version CI runs
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent
MINI_INPUT = PROJECT_DIR / "tests" / "fixtures" / "mini_input"
CLI = Path(sys.executable).parent / "compute-ledger"
HEADER = "event_id,company,round_id,announced_date,instrument,amount_low,amount_high,currency,unit,status,source_publication\n"
ACTIVE = ("NOT_STARTED", "QUEUED", "STARTING", "STARTED", "CANCELING")


def row(event_id: str) -> str:
    return f"{event_id},Lab B,{event_id},2025-05-01,equity,,1,USD,million,closed,soak test\n"


@dataclass
class Dropped:
    """A file the soak dropped and what must become of it."""

    name: str
    kind: str  # valid, duplicate, bad
    event_ids: list[str]
    dropped_at: float
    content: bytes = b""


@dataclass
class Soak:
    root: Path
    port: int
    env: dict
    marker: str
    server: subprocess.Popen | None = None
    files: list[Dropped] = field(default_factory=list)
    seen_at: dict[str, float] = field(default_factory=dict)  # event id -> first seen staged
    reads: list[float] = field(default_factory=list)
    read_failures: list[str] = field(default_factory=list)
    peak_rss: int = 0
    kills: int = 0
    restarts: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def db(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- the server -------------------------------------------------------------------

    def start_server(self) -> None:
        log = (self.root / "server.log").open("ab")
        self.server = subprocess.Popen(
            [str(CLI), "ui", "--port", str(self.port)],
            env=self.env,
            cwd=PROJECT_DIR,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                data = self.graphql("{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }")
                if [e["loadStatus"] for e in data["workspaceOrError"]["locationEntries"]] == ["LOADED"]:
                    return
            except OSError:
                pass
            time.sleep(1)
        raise RuntimeError(f"the server did not start; see {self.root / 'server.log'}")

    def kill_server(self) -> None:
        """SIGKILL to every process of the server, as a crash or a power cut would."""
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.server.wait()

    def stop_server(self) -> None:
        self.server.send_signal(signal.SIGTERM)
        self.server.wait(timeout=120)

    def graphql(self, text: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": text, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.base}/graphql", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.load(response)
        if payload.get("errors"):
            raise RuntimeError(payload["errors"])
        return payload["data"]

    def runs(self) -> list[dict]:
        data = self.graphql("{ runsOrError(limit: 1000) { ... on Runs { results { runId status tags { key value } } } } }")
        return data["runsOrError"]["results"]

    def processes(self) -> list[int]:
        """Live processes started by this soak (they inherit its marker)."""
        found = []
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                ours = self.marker.encode() in environ.read_bytes()
                if ours and (environ.parent / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(environ.parent.name))
            except (OSError, ValueError):
                continue
        return found

    # --- the workload -----------------------------------------------------------------

    def drop(self, name: str, content: bytes, kind: str, event_ids: list[str], slowly: bool = False) -> None:
        path = self.landing / name
        if slowly:  # a program appending a line at a time, in place, quicker than the settle time
            lines = content.splitlines(keepends=True)
            with path.open("wb") as handle:
                for line in lines:
                    handle.write(line)
                    handle.flush()
                    time.sleep(0.4)
        else:
            path.write_bytes(content)
        self.files.append(Dropped(name, kind, event_ids, time.time(), content))

    def burst(self, number: int, size: int, rows: int, rng: random.Random) -> None:
        valid = []
        for i in range(size):
            ids = [f"s{number}-{i}-{r}" for r in range(rows)]
            content = (HEADER + "".join(row(e) for e in ids)).encode()
            self.drop(f"funding_events_soak_{number}_{i}.csv", content, "valid", ids)
            valid.append(self.files[-1])
        for k, original in enumerate(rng.sample(valid, min(2, len(valid)))):
            self.drop(f"funding_events_copy_{number}_{k}.csv", original.content, "duplicate", [])
        self.drop(f"funding_events_broken_{number}.csv", (HEADER + f's{number}-bad,Lab B,"x\n').encode(), "bad", [])
        self.drop(f"mystery_{number}.csv", b"a,b\n1,2\n", "bad", [])
        ids = [f"s{number}-slow-{r}" for r in range(rows)]
        threading.Thread(
            target=self.drop,
            args=(f"funding_events_slow_{number}.csv", (HEADER + "".join(row(e) for e in ids)).encode(), "valid", ids),
            kwargs={"slowly": True},
        ).start()

    def read_loop(self, every: float) -> None:
        """A reader as an analyst runs queries: every few seconds, timed; and which soak
        rows are staged, for the drop-to-staging latency."""
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                with duckdb.connect(str(self.db), read_only=True) as con:
                    ids = [
                        r[0]
                        for r in con.execute("select event_id from staging.funding_events where event_id like 's%-%'").fetchall()
                    ]
                now = time.time()
                for event_id in ids:
                    self.seen_at.setdefault(event_id, now)
                self.reads.append(time.monotonic() - started)
            except duckdb.Error as err:
                if "lock" in str(err).lower():  # a writer has the file: wait as `sql` does
                    self.reads.append(time.monotonic() - started)
                else:
                    self.read_failures.append(str(err).splitlines()[0])
            self.stop.wait(every)

    def memory_loop(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self.stop.is_set():
            total = 0
            for pid in self.processes():
                with contextlib.suppress(OSError, ValueError):
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
            self.peak_rss = max(self.peak_rss, total)
            self.stop.wait(1)

    def kill_a_run_worker(self, wait: float = 30) -> bool:
        """SIGKILL the process of a started run, waiting up to `wait` seconds for one."""
        import dagster as dg

        from pipelines.run_health import alive, worker_pid

        deadline = time.monotonic() + wait
        with dg.DagsterInstance.from_config(self.env["DAGSTER_HOME"]) as instance:
            while time.monotonic() < deadline:
                for run in instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
                    pid = worker_pid(instance, run)
                    if pid and alive(pid):
                        os.kill(pid, signal.SIGKILL)
                        self.kills += 1
                        return True
                time.sleep(0.5)
        return False


def _wait_for_drain(soak: Soak, timeout: float) -> bool:
    """Until the landing folder is empty, no run is active and every valid row is staged."""
    expected = {e for f in soak.files if f.kind == "valid" for e in f.event_ids}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in soak.landing.iterdir() if p.is_file()]
        active = [r for r in soak.runs() if r["status"] in ACTIVE]
        if not left and not active and expected <= set(soak.seen_at):
            return True
        time.sleep(2)
    return False


def check(soak: Soak) -> list[tuple[str, bool, str]]:
    """(invariant, held, detail) for each invariant."""
    results = []
    valid = [f for f in soak.files if f.kind == "valid"]
    with duckdb.connect(str(soak.db), read_only=True) as con:
        log = con.execute("select file_name, sha256, status from audit.ingest_log").fetchall()
        staged = dict(
            con.execute("select event_id, count(*) from staging.funding_events where event_id like 's%-%' group by 1").fetchall()
        )
        recon_bad = con.execute(
            "select count(*) from audit.reconciliation where rows_read <> rows_loaded + rows_duplicate + rows_quarantined"
        ).fetchone()[0]
    by_name: dict[str, list[str]] = {}
    for name, _sha, status in log:
        by_name.setdefault(name, []).append(status)
    # Files with the same content are one file: whichever was triaged first is accepted and
    # loaded, the others set aside as duplicates of it.
    by_content: dict[bytes, list[Dropped]] = {}
    for f in soak.files:
        if f.kind in ("valid", "duplicate"):
            by_content.setdefault(f.content, []).append(f)
    wrong, copies = {}, 0
    for same in by_content.values():
        statuses = sorted(tuple(sorted(by_name.get(f.name, []))) for f in same)
        if statuses != sorted([("accepted", "loaded")] + [("duplicate",)] * (len(same) - 1)):
            wrong[same[0].name] = statuses
        copies += len(same) - 1
    results.append(
        (
            "every valid file accepted and loaded once, its copies set aside as duplicates",
            not wrong,
            f"{len(by_content)} contents, {copies} copies; wrong: {wrong}",
        )
    )
    accepted = [p.name.split("_", 1)[1] for p in (soak.landing / "accepted").glob("*/*") if p.is_file()]
    twice = sorted({n for n in accepted if accepted.count(n) > 1})
    missing = [same[0].name for same in by_content.values() if not {f.name for f in same} & set(accepted)]
    results.append(("every valid content in accepted/ once", not missing and not twice, f"missing {missing}, twice {twice}"))
    set_aside = {p.name for p in (soak.landing / "duplicates").glob("*.csv") if p.is_file()}
    results.append(("as many files in duplicates/ as copies", len(set_aside) == copies, f"{len(set_aside)} of {copies}"))
    bad = [f for f in soak.files if f.kind == "bad"]
    not_failed = [f.name for f in bad if not (soak.landing / "failed" / f"{f.name}.error.txt").exists()]
    results.append(("every broken file in failed/ with its reason", not not_failed, f"{len(bad)} files; not: {not_failed}"))
    expected = {e for f in valid for e in f.event_ids}
    lost = sorted(expected - set(staged))
    doubled = sorted(e for e, n in staged.items() if n != 1)
    results.append(
        (
            "every valid row staged exactly once",
            not lost and not doubled,
            f"{len(expected)} rows; lost {lost[:5]}, more than once {doubled[:5]}",
        )
    )
    results.append(("reconciliation adds up", recon_bad == 0, f"{recon_bad} rows where read <> loaded + duplicate + quarantined"))
    left = sorted(p.name for p in soak.landing.iterdir() if p.is_file())
    results.append(("no file left in the landing folder", not left, str(left)))
    active = [r["runId"][:8] + " " + r["status"] for r in soak.runs() if r["status"] in ACTIVE]
    results.append(("no run left queued or started", not active, str(active)))
    results.append(("the warehouse's write lock free", not _lock_held(soak.db), f"{soak.db}.write-lock"))
    return results


def _lock_held(db: Path) -> bool:
    """Whether a process holds the warehouse's write lock (see ledger.warehouse.write_lock)."""
    with open(f"{db}.write-lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3, help="how long files are dropped and faults injected")
    parser.add_argument("--bursts", type=int, default=4, help="bursts of files over that time")
    parser.add_argument("--burst-size", type=int, default=20, help="valid files per burst")
    parser.add_argument("--rows", type=int, default=3, help="rows per valid file")
    parser.add_argument("--kill-every", type=float, default=60, help="seconds between run-worker kills")
    parser.add_argument("--drain-timeout", type=float, default=420, help="seconds to wait for the folder to drain")
    parser.add_argument("--dir", help="work folder (default: a new temporary one, removed if everything held)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    root = Path(args.dir or tempfile.mkdtemp(prefix="soak-"))
    for sub in ("landing", "quotes", "dagster_home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    shutil.copytree(MINI_INPUT, root / "input", dirs_exist_ok=True)
    shutil.copy(PROJECT_DIR / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    marker = f"COMPUTE_LEDGER_SOAK={root.name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPUTE_LEDGER_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(root / "dagster_home"),
        COMPUTE_LEDGER_DB=str(root / "warehouse.duckdb"),
        COMPUTE_LEDGER_INPUT=str(root / "input"),
        COMPUTE_LEDGER_LANDING=str(root / "landing"),
        COMPUTE_LEDGER_QUOTES=str(root / "quotes"),
        COMPUTE_LEDGER_AS_OF="2025-09-30",
        COMPUTE_LEDGER_GX_DOCS="off",
    )
    env[marker.split("=")[0]] = marker.split("=")[1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    soak = Soak(root, port, env, marker)
    rng = random.Random(args.seed)

    print(f"soak in {root}: building the warehouse, starting the UI on {soak.base}", flush=True)
    subprocess.run([str(CLI), "run"], env=env, cwd=PROJECT_DIR, check=True, stdout=subprocess.DEVNULL)
    soak.start_server()
    threads = [
        threading.Thread(target=soak.read_loop, args=(4,), daemon=True),
        threading.Thread(target=soak.memory_loop, daemon=True),
    ]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    duration = args.minutes * 60
    burst_times = [duration * i / max(args.bursts, 1) for i in range(args.bursts)]
    restart_at, next_kill = duration * 0.6, args.kill_every / 2
    fast_reader = threading.Thread(target=soak.read_loop, args=(1,), daemon=True)  # latency, finer
    fast_reader.start()
    while (elapsed := time.monotonic() - started) < duration or burst_times or restart_at is not None:
        if burst_times and elapsed >= burst_times[0]:
            burst_times.pop(0)
            soak.burst(args.bursts - len(burst_times), args.burst_size, args.rows, rng)
            print(f"  {elapsed:5.0f} s: burst of {args.burst_size} files (+ copies, broken, slow)", flush=True)
        elif restart_at is not None and elapsed >= restart_at:
            restart_at = None
            soak.kill_server()
            soak.restarts += 1
            print(f"  {elapsed:5.0f} s: killed the whole server (SIGKILL); starting it again", flush=True)
            soak.start_server()
        elif elapsed >= next_kill:
            next_kill += args.kill_every
            if soak.kill_a_run_worker(wait=min(10, args.kill_every / 2)):
                print(f"  {elapsed:5.0f} s: killed a run worker (SIGKILL)", flush=True)
        time.sleep(0.5)
    print("  dropping done; waiting for the landing folder to drain", flush=True)
    drained = _wait_for_drain(soak, args.drain_timeout)
    results = check(soak)
    runs = soak.runs()
    soak.stop.set()
    soak.stop_server()
    full_run = subprocess.run([str(CLI), "run"], env=env, cwd=PROJECT_DIR, capture_output=True, text=True)
    results.append(("the warehouse opens and a full run succeeds", full_run.returncode == 0, full_run.stderr[-300:]))
    results.append(("the folder drained in time", drained, f"{args.drain_timeout:.0f} s allowed"))
    results.append(("reads never failed", not soak.read_failures, str(soak.read_failures[:3])))

    latency = sorted(
        min(soak.seen_at[e] for e in f.event_ids) - f.dropped_at
        for f in soak.files
        if f.kind == "valid" and all(e in soak.seen_at for e in f.event_ids)
    )
    print()
    for name, held, detail in results:
        print(f"  {'✓' if held else '✗'} {name}" + ("" if held else f": {detail}"))
    counts = {k: sum(f.kind == k for f in soak.files) for k in ("valid", "duplicate", "bad")}
    statuses = {s: sum(r["status"] == s for r in runs) for s in sorted({r["status"] for r in runs})}
    print(
        f"\nfiles dropped: {counts}; run workers killed: {soak.kills}; server restarts: {soak.restarts}; "
        f"runs: {len(runs)} {statuses}"
    )
    if latency:
        print(f"drop to staging: median {statistics.median(latency):.1f} s, max {max(latency):.1f} s ({len(latency)} files)")
    if soak.reads:
        print(f"reads: {len(soak.reads)}, slowest {max(soak.reads):.2f} s")
    print(f"peak memory of every process started: {soak.peak_rss / 2**30:.2f} GiB")
    by_burst: dict[str, list[float]] = {}
    for f in soak.files:
        if f.kind == "valid" and all(e in soak.seen_at for e in f.event_ids):
            burst = f.event_ids[0].split("-")[0]
            by_burst.setdefault(burst, []).append(min(soak.seen_at[e] for e in f.event_ids) - f.dropped_at)
    print("drop to staging by burst: " + ", ".join(f"{b} max {max(v):.0f} s" for b, v in sorted(by_burst.items())))
    ok = all(held for _, held, _ in results)
    if ok and not args.dir:
        shutil.rmtree(root, ignore_errors=True)
    elif not ok:
        print(f"kept for inspection: {root}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
