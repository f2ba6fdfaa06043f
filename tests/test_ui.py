"""The real Dagster UI, used as a person uses it (issue 10): `make ui` on a free port and an
isolated instance; headless Chromium, driven by Playwright, opens the job, launches it
from the Launchpad with its defaults, and clicks "Materialize all" on the asset graph;
GraphQL launches the job with no tags, as the UI does when no partition is chosen. Each
launch follows an edit of an input file, and the marts must show the edit. Last, `make
ui` must stop, every process it started included, on SIGTERM and on Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from helpers import CHROMIUM, CHROMIUM_ARGS, MINI_INPUT, PROJECT_DIR, query

# the browser test and the soak both run a server: one worker runs them one after the other
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("servers")]

LOCATION = "compute_ledger"
SERVER_TIMEOUT = 120  # until the code location has loaded
RUN_TIMEOUT = 240
STOP_TIMEOUT = 60  # `make ui` and every process it started gone after a stop signal

LAUNCH_RUN = """
mutation Launch($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""
RUN_STATUS = "query Status($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status } } }"
RUN_ERRORS = """
query Errors($runId: ID!) {
  logsForRun(runId: $runId, limit: 5000) {
    ... on EventConnection {
      events { __typename ... on MessageEvent { message stepKey level } ... on ErrorEvent { error { message } } }
    }
  }
}
"""
BACKFILL = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status numPartitions runs(limit: 100) { runId status } }
  }
}
"""
LOCATION_STATUS = """
{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(base: str, text: str, variables: dict | None = None, timeout: float = 30) -> dict:
    body = json.dumps({"query": text, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{base}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        payload = json.load(response)
    assert not payload.get("errors"), f"GraphQL errors: {payload['errors']}"
    return payload["data"]


def processes_with(marker: str) -> list[str]:
    """Command lines of the live processes whose environment holds `marker` (every process
    `make ui` starts inherits it; this test's own process does not have it)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() not in environ.read_bytes():
                continue
            status = (environ.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
            command = (environ.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if status != "Z":
            found.append(f"{environ.parent.name}: {command[:160]}")
    return found


class MakeUi:
    """`make ui` in a process group of its own (as a terminal's foreground job), its output
    in a log file, on its own DAGSTER_HOME, warehouse and editable copy of the mini input."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.marker = f"COMPUTE_LEDGER_TEST_UI={root.name}-{self.port}"
        self.db = root / "warehouse.duckdb"
        self.input = root / "input"
        if not self.input.exists():
            shutil.copytree(MINI_INPUT, self.input)
        self.quotes = root / "quotes"
        self.quotes.mkdir(exist_ok=True)
        (root / "landing").mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPUTE_LEDGER_", "DAGSTER_", "MAKE"))}
        env.update(
            DAGSTER_HOME=str(root / "dagster_home"),
            COMPUTE_LEDGER_DB=str(self.db),
            COMPUTE_LEDGER_INPUT=str(self.input),
            COMPUTE_LEDGER_QUOTES=str(self.quotes),
            COMPUTE_LEDGER_LANDING=str(root / "landing"),
            COMPUTE_LEDGER_AS_OF="2025-09-30",
            COMPUTE_LEDGER_GX_DOCS="off",
        )
        key, value = self.marker.split("=")
        env[key] = value
        self.log = root / "make_ui.log"
        self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "ui", f"PORT={self.port}"],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def wait_until_loaded(self) -> None:
        deadline = time.monotonic() + SERVER_TIMEOUT
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"`make ui` exited with {self.process.returncode}:\n{self.tail()}")
            try:
                entries = graphql(self.base, LOCATION_STATUS, timeout=5)["workspaceOrError"]["locationEntries"]
            except (OSError, urllib.error.URLError, AssertionError, ValueError, KeyError) as exc:
                last = repr(exc)
            else:
                entry = {e["name"]: e for e in entries}.get(LOCATION)
                if entry and entry["loadStatus"] == "LOADED":
                    loaded = entry["locationOrLoadError"] or {}
                    assert loaded.get("__typename") != "PythonError", f"{LOCATION} failed to load: {loaded}"
                    return
                last = json.dumps(entries)
            time.sleep(1)
        pytest.fail(f"the webserver did not load {LOCATION} in {SERVER_TIMEOUT}s ({last}):\n{self.tail()}")

    def stop(self, sig: int, *, group: bool) -> float:
        """Send `sig` to make (or, as Ctrl-C does, to its whole process group); the seconds
        until make and every process it started are gone (fails past STOP_TIMEOUT)."""
        started = time.monotonic()
        if group:
            os.killpg(self.process.pid, sig)
        else:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`make ui` still running {STOP_TIMEOUT}s after signal {sig}:\n{self.tail()}")
        while (left := processes_with(self.marker)) and time.monotonic() - started < STOP_TIMEOUT:
            time.sleep(0.5)
        assert not left, "processes left after `make ui` stopped:\n" + "\n".join(left)
        return time.monotonic() - started

    def kill(self) -> None:
        """Whatever is left, for a test that failed half-way."""
        for line in processes_with(self.marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(line.split(":")[0]), signal.SIGKILL)
        self._log_file.close()


def skip_without_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)")


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    skip_without_chromium()
    server = MakeUi(tmp_path_factory.mktemp("ui"))
    try:
        server.wait_until_loaded()
        yield server
    finally:
        if server.process.poll() is None:
            server.stop(signal.SIGTERM, group=False)
        server.kill()


@pytest.fixture(scope="module")
def browser(ui):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # A new Dagster instance greets its first visitor with "Join the Dagster
            # community"; a person skips it once, and the server remembers.
            first = chromium.new_page()
            first.goto(ui.base)
            first.get_by_role("button", name="Skip").click(timeout=60_000)
            first.get_by_text("Join the Dagster community").wait_for(state="hidden")
            first.close()
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        page.screenshot(path=str(tmp_path / "last.png"))
        context.close()


def run_errors(ui: MakeUi, run_id: str) -> str:
    events = graphql(ui.base, RUN_ERRORS, {"runId": run_id})["logsForRun"].get("events", [])
    lines = [
        f"{e['__typename']} {e.get('stepKey') or ''}: {e.get('message', '')} {(e.get('error') or {}).get('message', '')}"
        for e in events
        if e.get("error") or e.get("level") in ("ERROR", "CRITICAL") or "Failure" in e["__typename"]
    ]
    return "\n".join(lines)


def wait_for_run(ui: MakeUi, run_id: str) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    status = None
    while time.monotonic() < deadline:
        status = graphql(ui.base, RUN_STATUS, {"runId": run_id})["runOrError"].get("status")
        if status == "SUCCESS":
            return
        if status in ("FAILURE", "CANCELED"):
            pytest.fail(f"run {run_id} ended {status}:\n{run_errors(ui, run_id)}")
        time.sleep(1)
    pytest.fail(f"run {run_id} still {status} after {RUN_TIMEOUT}s:\n{ui.tail()}")


def add_round(ui: MakeUi, company: str, amount_billion: int, event_id: str) -> None:
    """A user's edit: one more closed equity round in the input file."""
    path = ui.input / "funding_events.csv"
    row = (
        f"{event_id},{company},{event_id},UI test round,2025-06-01,,equity,,{amount_billion},,USD,billion,"
        ",,,,,closed,high,,ui test,2025-06-01,\n"
    )
    path.write_text(path.read_text() + row)


def round_equity_usd(ui: MakeUi, round_id: str) -> float | None:
    """A round's equity in marts.leverage_rounds (None while the round is not there)."""
    if not ui.db.exists():
        return None
    rows = query(ui.db, "select equity_usd_mid from marts.leverage_rounds where round_id = ?", [round_id])
    return rows[0]["equity_usd_mid"] if rows else None


def test_graphql_launch_without_tags_succeeds(ui):
    """What the UI sends when no partition is chosen: no tags at all."""
    params = {
        "selector": {"repositoryLocationName": LOCATION, "repositoryName": "__repository__", "jobName": "refresh_all"},
        "executionMetadata": {"tags": []},
    }
    result = graphql(ui.base, LAUNCH_RUN, {"executionParams": params})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", json.dumps(result)
    wait_for_run(ui, result["run"]["runId"])
    assert round_equity_usd(ui, "a-r1") == pytest.approx(6e9)
    days = query(ui.db, "select count(*) as n from staging.gpu_price_quotes")
    assert days[0]["n"] == 0  # no quote files: nothing to load, and nothing failed


def test_launchpad_with_its_defaults_succeeds(ui, page):
    add_round(ui, "Lab A", 2, "ui-launchpad")
    page.goto(f"{ui.base}/locations/{LOCATION}/jobs/refresh_all")
    page.get_by_role("button", name=re.compile("Materialize all")).wait_for()
    # the arrow beside "Materialize all…" opens the menu with "Open launchpad"
    page.get_by_role("button", name="arrow_drop_down").click()
    page.get_by_text("Open launchpad").click()
    launchpad = page.get_by_role("dialog").filter(has_text="Launchpad")
    launchpad.get_by_role("button", name=re.compile(r"\bMaterialize$")).click()
    # Dagster asks "This job is partitioned. Are you sure you want to launch a run without a
    # partition specified?"; a person confirms, and the UI opens the run's page.
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}"))
    run_id = re.search(r"/runs/([0-9a-f-]{36})", page.url).group(1)
    wait_for_run(ui, run_id)
    assert round_equity_usd(ui, "ui-launchpad") == pytest.approx(2e9)


def test_materialize_all_on_the_asset_graph_succeeds(ui, page):
    add_round(ui, "Lab A", 3, "ui-materialize-all")
    page.goto(f"{ui.base}/asset-groups")
    page.get_by_role("button", name=re.compile("Materialize all")).click()
    dialog = page.get_by_role("dialog").filter(has_text="Launch runs to materialize")
    # The dialog starts with no partition chosen (its launch button disabled): a person
    # picks one of the choices it offers.
    dialog.get_by_role("button", name="All", exact=True).click()
    dialog.get_by_role("button", name="Launch backfill").click()
    toast = page.get_by_text(re.compile(r"Created backfill \w+"))
    backfill_id = re.search(r"Created backfill (\w+)", toast.inner_text()).group(1)
    deadline = time.monotonic() + RUN_TIMEOUT * 2
    backfill = {}
    while time.monotonic() < deadline:
        backfill = graphql(ui.base, BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
        if backfill.get("status") not in ("REQUESTED", None):
            break
        time.sleep(2)
    failed = [r for r in backfill.get("runs", []) if r["status"] != "SUCCESS"]
    details = "\n".join(run_errors(ui, r["runId"]) for r in failed)
    assert backfill.get("status") == "COMPLETED_SUCCESS", f"{json.dumps(backfill)}\n{details}\n{ui.tail()}"
    assert backfill["runs"] and not failed
    assert round_equity_usd(ui, "ui-materialize-all") == pytest.approx(3e9)


def test_a_mart_page_shows_what_a_user_looks_for(ui, page):
    if not ui.db.exists():  # run alone: build the marts first
        test_graphql_launch_without_tags_succeeds(ui)
    page.goto(f"{ui.base}/assets/marts/leverage")
    page.get_by_text("cumulative equity, debt and vendor money").first.wait_for()  # the SQL file's header
    page.get_by_text("debt_to_equity_mid").first.wait_for()  # the column schema
    text = page.inner_text("body")
    for expected in ("Columns", "Row count", "Freshness policy", "preview", "input_checks", "staging/funding_events"):
        assert expected in text, f"the leverage mart's page lacks {expected!r}"
    # the input's checks: how many passed, of how many
    assert re.search(r"staging/funding_events\s+\d+ of \d+", text), text[:3000]


def test_make_ui_stops_on_sigterm_to_make(ui):
    seconds = ui.stop(signal.SIGTERM, group=False)
    assert seconds < STOP_TIMEOUT


def test_make_ui_stops_on_ctrl_c(tmp_path):
    skip_without_chromium()
    server = MakeUi(tmp_path)
    try:
        server.wait_until_loaded()
        server.stop(signal.SIGINT, group=True)  # what a terminal sends on Ctrl-C
    finally:
        server.kill()
