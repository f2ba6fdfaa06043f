"""The real Dagster UI, end to end (issue 5): start the webserver as `make ui` does, on a
free port and an isolated instance; launch `refresh_all` through its GraphQL API and wait
for success; then render the asset graph in headless Chromium and find the marts on it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import MINI_INPUT, PROJECT_DIR

DAGSTER = Path(sys.executable).parent / "dagster"
CHROMIUM = Path("/usr/bin/chromium")
LOCATION = "compute_ledger"
MARTS = ["leverage_rounds", "runway", "capex"]

SERVER_TIMEOUT = 90  # until the code location has loaded
RUN_TIMEOUT = 180
BROWSER_TIMEOUT = 90

LAUNCH_RUN = """
mutation LaunchRefreshAll($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

RUN_STATUS = """
query RunStatus($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { status }
    ... on Error { message }
  }
}
"""

RUN_ERRORS = """
query RunErrors($runId: ID!) {
  logsForRun(runId: $runId, limit: 5000) {
    __typename
    ... on EventConnection {
      events {
        __typename
        ... on MessageEvent { message stepKey level }
        ... on ErrorEvent { error { message } }
      }
    }
    ... on Error { message }
  }
}
"""

LOCATION_STATUS = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
  }
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(base: str, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{base}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        payload = json.load(response)
    assert not payload.get("errors"), f"GraphQL errors: {payload['errors']}"
    return payload["data"]


class Server:
    """`dagster dev` in its own process group, its output in a log file."""

    def __init__(self, env: dict[str, str], log: Path, quotes: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.quotes = quotes
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [str(DAGSTER), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(self.port)],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_until_loaded(self) -> None:
        deadline = time.monotonic() + SERVER_TIMEOUT
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"`dagster dev` exited with {self.process.returncode}:\n{self.tail()}")
            try:
                data = graphql(self.base, LOCATION_STATUS, timeout=5)["workspaceOrError"]
            except (OSError, urllib.error.URLError, AssertionError, ValueError) as exc:
                last = repr(exc)
            else:
                entries = {e["name"]: e for e in data.get("locationEntries", [])}
                entry = entries.get(LOCATION)
                last = json.dumps(data)
                if entry and entry["loadStatus"] == "LOADED":
                    loaded = entry["locationOrLoadError"] or {}
                    if loaded.get("__typename") == "PythonError":
                        pytest.fail(f"code location {LOCATION} failed to load: {loaded['message']}")
                    return
            time.sleep(1)
        pytest.fail(f"the webserver did not load {LOCATION} in {SERVER_TIMEOUT}s ({last}):\n{self.tail()}")

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                # as Ctrl-C in `make ui`: dagster dev stops its webserver, daemon and code servers
                self.process.send_signal(signal.SIGINT)
                try:
                    self.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    pass
            # whatever is left of the group (a hung child, a run worker) goes too
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self._log_file.close()


@pytest.fixture
def ui_server(tmp_path):
    """`make ui` on a free port, on a fresh DAGSTER_HOME and warehouse with the mini input."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_DIR / "dagster.yaml", home / "dagster.yaml")
    quotes, landing = tmp_path / "quotes", tmp_path / "landing"
    quotes.mkdir()
    landing.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPUTE_LEDGER_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(home),
        COMPUTE_LEDGER_DB=str(tmp_path / "warehouse.duckdb"),
        COMPUTE_LEDGER_INPUT=str(MINI_INPUT),
        COMPUTE_LEDGER_QUOTES=str(quotes),
        COMPUTE_LEDGER_LANDING=str(landing),
        COMPUTE_LEDGER_AS_OF="2025-09-30",
        COMPUTE_LEDGER_GX_DOCS="off",
    )
    server = Server(env, tmp_path / "dagster_dev.log", quotes)
    try:
        server.wait_until_loaded()
        yield server
    finally:
        server.stop()


def launch_refresh_all(server: Server) -> str:
    from assets.quotes import days_with_files_tags

    tags = days_with_files_tags(server.quotes)
    params = {
        "selector": {"repositoryLocationName": LOCATION, "repositoryName": "__repository__", "jobName": "refresh_all"},
        "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in tags.items()]},
    }
    result = graphql(server.base, LAUNCH_RUN, {"executionParams": params})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", f"launchRun answered {json.dumps(result)}"
    return result["run"]["runId"]


def run_errors(server: Server, run_id: str) -> str:
    """The run's error and failure events, for a failure message."""
    data = graphql(server.base, RUN_ERRORS, {"runId": run_id})["logsForRun"]
    lines = []
    for event in data.get("events", []):
        error = (event.get("error") or {}).get("message")
        if error or event.get("level") in ("ERROR", "CRITICAL") or "Failure" in event["__typename"]:
            lines.append(f"{event['__typename']} {event.get('stepKey') or ''}: {event.get('message', '')} {error or ''}".strip())
    return "\n".join(lines) or json.dumps(data)[:2000]


def wait_for_success(server: Server, run_id: str) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    status = None
    while time.monotonic() < deadline:
        status = graphql(server.base, RUN_STATUS, {"runId": run_id})["runOrError"].get("status")
        if status == "SUCCESS":
            return
        if status in ("FAILURE", "CANCELED"):
            pytest.fail(f"refresh_all run {run_id} ended {status}:\n{run_errors(server, run_id)}")
        time.sleep(1)
    pytest.fail(f"refresh_all run {run_id} still {status} after {RUN_TIMEOUT}s:\n{server.tail()}")


def chromium(tmp_path: Path, url: str, *args: str) -> str:
    """Headless Chromium on `url` with a fresh profile; its stdout. The virtual-time budget
    lets the React app fetch its GraphQL data and lay out the graph before the dump."""
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    profile.mkdir()
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1600,1000",
        "--virtual-time-budget=20000",
        *args,
        url,
    ]
    browser = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = browser.communicate(timeout=BROWSER_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish {url} in {BROWSER_TIMEOUT}s")
    finally:
        try:
            os.killpg(browser.pid, signal.SIGKILL)  # its renderer and helper processes
        except ProcessLookupError:
            pass
        browser.wait()
    assert browser.returncode == 0, f"chromium exited {browser.returncode}:\n{stderr[-3000:]}"
    return stdout


def test_ui_runs_refresh_all_and_shows_the_marts(ui_server, tmp_path):
    run_id = launch_refresh_all(ui_server)
    wait_for_success(ui_server, run_id)

    # The global asset lineage; a graph this size opens with its groups collapsed, so ask
    # for the marts group open (its id depends on a UI feature flag: both are given).
    expanded = f"global@global:marts,__repository__@{LOCATION}:marts"
    url = f"{ui_server.base}/asset-groups?" + urllib.parse.urlencode({"expanded": expanded})
    dom = chromium(tmp_path, url, "--dump-dom")
    assert "Global asset lineage" in dom, f"{url} did not render the lineage page:\n{dom[:3000]}"
    missing = [m for m in MARTS if m not in dom]
    assert not missing, f"{url} rendered without {missing}:\n{dom[:3000]}"
    assert "Materialized" in dom and "Never materialized" not in dom, "the marts do not show as materialized"
    chromium(tmp_path, url, f"--screenshot={tmp_path / 'graph.png'}")
    assert (tmp_path / "graph.png").stat().st_size > 10_000
