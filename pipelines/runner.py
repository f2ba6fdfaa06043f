"""Running `refresh_all` from the command line, one progress line per asset and suite."""

from __future__ import annotations

import os
import re
import socket
import warnings

import dagster as dg

from assets.transforms.errors import InputFileError
from assets.transforms.stable_files import FileStillChangingError
from pipelines.run_health import HOST_TAG, PID_TAG, reap_dead_runs


def _asset_name(context: dg.HookContext) -> str:
    return context.op.name.replace("__", "/")


#: Beta parameters we rely on (backfill policies) warn on every load; the CLI stays quiet.
warnings.filterwarnings("ignore", category=dg.BetaWarning)


def _value(entry):
    return getattr(entry, "value", entry)


def check_evaluations(instance: dg.DagsterInstance, run_id: str, step_key: str | None = None) -> list:
    """The asset-check evaluations of a run (of one step, if given)."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    return [
        r.event_log_entry.dagster_event.event_specific_data
        for r in records
        if step_key is None or r.event_log_entry.step_key == step_key
    ]


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
    seconds = metadata.get("seconds")
    rows_text = f"{_value(rows):>8,} rows" if rows is not None else " " * 13
    seconds_text = f"{_value(seconds):6.2f} s" if seconds is not None else ""
    extra = ""
    quarantined = metadata.get("rows_quarantined")
    if quarantined is not None and _value(quarantined):
        extra = f"   ({_value(quarantined)} quarantined, see quarantine.rejected_rows)"
    return f"  ✓ {name:<36}{rows_text} {seconds_text}{extra}"


def _checks_line(name: str, evaluations: list) -> str:
    warned = [e for e in evaluations if not e.passed]
    line = f"  ✓ {name:<36}{len(evaluations) - len(warned):>4} of {len(evaluations)} checks passed"
    return line + (f"; warnings: {'; '.join(describe_failure(e) for e in warned)}" if warned else "")


@dg.success_hook
def print_progress(context: dg.HookContext) -> None:
    """`✓ staging/funding_events   63 rows   0.05 s` after each asset; a count after checks."""
    evaluations = check_evaluations(context.instance, context.run_id, context.step_key)
    if context.op.name.endswith("_expectations"):
        print(_checks_line(_asset_name(context), evaluations), flush=True)
        return
    for output, metadata in (context.op_output_metadata or {}).items():
        if "dagster/row_count" not in metadata:
            continue  # an asset check's output
        name = _asset_name(context) if output == "result" else output.replace("__", "/")
        print(_asset_line(name, metadata), flush=True)
    if evaluations:
        print(_checks_line(f"{_asset_name(context)} checks", evaluations), flush=True)


@dg.failure_hook
def print_failure(context: dg.HookContext) -> None:
    if context.op.name.endswith("_expectations"):
        failed = [e for e in check_evaluations(context.instance, context.run_id, context.step_key) if not e.passed]
        print(f"  ✗ {_asset_name(context)}: {len(failed)} check(s) failed", flush=True)
        for evaluation in failed:
            print(f"      {evaluation.severity.value.lower():<5} {describe_failure(evaluation)}", flush=True)
        return
    print(f"  ✗ {_asset_name(context)}: {context.op_exception}", flush=True)


#: Our errors say what is wrong by themselves (file, row, column, problem).
OUR_ERRORS = (InputFileError.__name__, FileStillChangingError.__name__)


def _error_message(result) -> str:
    """The first step failure as a person reads it: `<step>: <file>, row 3: <problem>`.

    Assets raise `dagster.Failure` whose description is the message itself; any other error
    (a transient one raised as it is) is named by its innermost InputFileError, or else by
    its class and message. Dagster's error text begins with the exception's module and class
    (`assets.transforms.errors.InputFileError: …`): that is for tracebacks, not for users."""
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        data = event.step_failure_data
        failure = data.user_failure_data
        if failure is not None and failure.description:
            return f"{event.step_key}: {failure.description.strip()}"
        if data.error:
            error = data.error.cause or data.error
            while error.cause is not None and error.cls_name not in OUR_ERRORS:
                error = error.cause
            message = error.message.strip()
            qualified = re.match(rf"(?:[\w.]+\.)?{re.escape(error.cls_name)}: ", message)
            if qualified:  # ours says what is wrong by itself; others keep a short class name
                ours = error.cls_name in OUR_ERRORS
                message = ("" if ours else f"{error.cls_name}: ") + message[qualified.end() :]
            return f"{event.step_key}: {message}"
    return "the run failed"


def reap_dead_cli_runs(instance: dg.DagsterInstance) -> list[str]:
    """`run_health.reap_dead_runs`, and the pool slots of the runs it marks failed freed at
    once: without `dagster dev` no daemon frees them, and one held slot blocks every write."""
    reaped = reap_dead_runs(instance)
    for run_id in reaped:
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    return reaped


def run_refresh_all(instance: dg.DagsterInstance | None = None, *, all_days: bool = False) -> tuple[bool, str]:
    """Execute `refresh_all` in this process over the quote days that have files (every day
    with `all_days`); (succeeded, what went wrong for a person)."""
    from assets.quotes import all_days_tags
    from pipelines.definitions import defs

    instance = instance or dg.DagsterInstance.get()
    for run_id in reap_dead_cli_runs(instance):
        print(f"  (run {run_id[:8]} had died mid-way: marked failed, its pool slot freed)", flush=True)
    # without a partition the quote feed loads the days that have files
    tags = {**(all_days_tags() if all_days else {}), PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    job = defs.resolve_job_def("refresh_all").with_hooks({print_progress, print_failure})
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        tags=tags,
    )
    if result.success:
        return True, ""
    blocking = [
        e for e in check_evaluations(instance, result.run_id) if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    planned = set(job.asset_layer.selected_asset_keys)
    done = {e.asset_key for e in result.get_asset_materialization_events()}
    skipped = sorted(k.to_user_string() for k in planned - done)
    if blocking:
        lines = ["blocking data-quality checks failed:"]
        lines += [f"  - {describe_failure(e)}" for e in blocking]
        lines.append("Not updated, so they keep their previous contents: " + ", ".join(skipped))
        return False, "\n".join(lines)
    return False, _error_message(result) + ("\nNot updated: " + ", ".join(skipped) if skipped else "")
