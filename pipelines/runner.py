"""Running `refresh_all` from the command line, one progress line per asset and suite."""

from __future__ import annotations

import logging
import os
import re
import socket
import warnings
from collections import defaultdict

import dagster as dg

from ledger.transforms.errors import InputFileError
from ledger.transforms.stable_files import FileStillChangingError
from pipelines.run_health import HOST_TAG, PID_TAG, reap_dead_runs

#: Beta parameters we rely on (backfill policies) warn on every load; the CLI stays quiet.
warnings.filterwarnings("ignore", category=dg.BetaWarning)


def _value(entry):
    return getattr(entry, "value", entry)


def describe_failure(evaluation) -> str:
    """`staging/gpu_prices gpu_hour_plausible: 1 of 6 rows (16.7%), e.g. 3000.0`."""
    metadata = {k: _value(v) for k, v in evaluation.metadata.items()}
    text = f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
    if "unexpected_count" in metadata:
        checked = metadata.get("checked_count", metadata.get("element_count"))
        text += f": {metadata['unexpected_count']} of {checked} rows checked ({metadata.get('unexpected_percent', 0):.3g}%)"
        sample = metadata.get("unexpected_sample") or []
        if sample:
            text += f", e.g. {', '.join(map(str, sample[:3]))}"
    if metadata.get("error"):
        text += f": {metadata['error']}"
    return text


def _asset_line(name: str, metadata: dict) -> str:
    rows = metadata.get("dagster/row_count")
    rows_text = f"{_value(rows):>8,} rows" if rows is not None else " " * 13
    extra = ""
    quarantined = metadata.get("rows_quarantined")
    if quarantined is not None and _value(quarantined):
        extra = f"   ({_value(quarantined)} quarantined, see quarantine.rejected_rows)"
    return f"  ✓ {name:<36}{rows_text}{extra}"


def _checks_line(name: str, evaluations: list) -> str:
    warned = [e for e in evaluations if not e.passed]
    line = f"  ✓ {name:<36}{len(evaluations) - len(warned):>4} of {len(evaluations)} checks passed"
    return line + (f"; warnings: {'; '.join(describe_failure(e) for e in warned)}" if warned else "")


def _step_name(step_key: str) -> str:
    return step_key.replace("__", "/")


class _ProgressHandler(logging.Handler):
    """Prints the progress lines from the run's own events as Dagster logs them: nothing
    is read back from the run history, and no hook adds events of its own to it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.evaluations: dict[str, list] = defaultdict(list)

    def emit(self, record: logging.LogRecord) -> None:
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        if event is None or event.step_key is None:
            return
        step = event.step_key
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            metadata = dict(materialization.metadata)
            if "dagster/row_count" in metadata:
                print(_asset_line(materialization.asset_key.to_user_string(), metadata), flush=True)
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            self.evaluations[step].append(event.event_specific_data)
        elif event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            evaluations = self.evaluations.pop(step, [])
            if evaluations:
                own = step.endswith("_expectations")
                print(_checks_line(_step_name(step) + ("" if own else " checks"), evaluations), flush=True)
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            failed = [e for e in self.evaluations.pop(step, []) if not e.passed]
            if failed:
                print(f"  ✗ {_step_name(step)}: {len(failed)} check(s) failed", flush=True)
                for evaluation in failed:
                    print(f"      {evaluation.severity.value.lower():<5} {describe_failure(evaluation)}", flush=True)
            else:
                print(f"  ✗ {_step_name(step)}: {_failure_text(event)}", flush=True)


@dg.logger(description="One line per asset and per suite on the terminal (compute-ledger run).")
def progress_logger(_init_context) -> logging.Logger:
    logger = logging.Logger("compute_ledger.progress", level=logging.DEBUG)
    logger.addHandler(_ProgressHandler())
    return logger


#: Our errors say what is wrong by themselves (file, row, column, problem).
OUR_ERRORS = (InputFileError.__name__, FileStillChangingError.__name__)


def _error_message(result) -> str:
    """The first step failure as a person reads it: `<step>: <file>, row 3: <problem>`.

    Assets raise `dagster.Failure` whose description is the message itself; any other error
    (a transient one raised as it is) is named by its innermost InputFileError, or else by
    its class and message. Dagster's error text begins with the exception's module and class
    (`ledger.transforms.errors.InputFileError: …`): that is for tracebacks, not for users."""
    failures = result.get_step_failure_events()
    return f"{failures[0].step_key}: {_failure_text(failures[0])}" if failures else "the run failed"


def _failure_text(event: dg.DagsterEvent) -> str:
    """What a step failure event says went wrong, for a person (see `_error_message`)."""
    data = event.step_failure_data
    failure = data.user_failure_data
    if failure is not None and failure.description:
        return failure.description.strip()
    if not data.error:
        return "the step failed"
    error = data.error.cause or data.error
    while error.cause is not None and error.cls_name not in OUR_ERRORS:
        error = error.cause
    message = error.message.strip()
    qualified = re.match(rf"(?:[\w.]+\.)?{re.escape(error.cls_name)}: ", message)
    if qualified:  # ours says what is wrong by itself; others keep a short class name
        ours = error.cls_name in OUR_ERRORS
        message = ("" if ours else f"{error.cls_name}: ") + message[qualified.end() :]
    return message


def run_refresh_all(instance: dg.DagsterInstance | None = None, *, all_days: bool = False) -> tuple[bool, str]:
    """Execute `refresh_all` in this process over the quote days that have files (every day
    with `all_days`); (succeeded, what went wrong for a person)."""
    from assets.quotes import all_days_tags
    from pipelines.definitions import defs
    from pipelines.storage import relax_sqlite_sync

    relax_sqlite_sync()
    instance = instance or dg.DagsterInstance.get()
    for run_id in reap_dead_runs(instance):
        print(f"  (run {run_id[:8]} had died mid-way: marked failed)", flush=True)
    # without a partition the quote feed loads the days that have files
    tags = {**(all_days_tags() if all_days else {}), PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    job = defs.resolve_job_def("refresh_all").with_logger_defs({"progress": progress_logger})
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config={"loggers": {"progress": {}}}, tags=tags)
    if result.success:
        return True, ""
    blocking = [e for e in result.get_asset_check_evaluations() if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    planned = set(job.asset_layer.selected_asset_keys)
    done = {e.asset_key for e in result.get_asset_materialization_events()}
    skipped = sorted(k.to_user_string() for k in planned - done)
    if blocking:
        lines = ["blocking data-quality checks failed:"]
        lines += [f"  - {describe_failure(e)}" for e in blocking]
        lines.append("Not updated, so they keep their previous contents: " + ", ".join(skipped))
        return False, "\n".join(lines)
    return False, _error_message(result) + ("\nNot updated: " + ", ".join(skipped) if skipped else "")
