"""Running `refresh_all` from the command line, one progress line per asset and suite."""

from __future__ import annotations

import dagster as dg

from assets.transforms.errors import InputFileError


def _asset_name(context: dg.HookContext) -> str:
    return context.op.name.replace("__", "/")


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


@dg.success_hook
def print_progress(context: dg.HookContext) -> None:
    """`✓ staging/funding_events   63 rows   0.05 s` after each asset; a count after each suite."""
    if context.op.name.endswith("_expectations"):
        evaluations = check_evaluations(context.instance, context.run_id, context.step_key)
        warned = [e for e in evaluations if not e.passed]
        line = f"  ✓ {_asset_name(context):<36}{len(evaluations) - len(warned):>4} of {len(evaluations)} checks passed"
        print(line + (f"; warnings: {'; '.join(describe_failure(e) for e in warned)}" if warned else ""), flush=True)
        return
    metadata = next(iter(context.op_output_metadata.values()), {}) if context.op_output_metadata else {}
    rows = metadata.get("dagster/row_count")
    seconds = metadata.get("seconds")
    rows_text = f"{_value(rows):>8,} rows" if rows is not None else " " * 13
    seconds_text = f"{_value(seconds):6.2f} s" if seconds is not None else ""
    extra = ""
    quarantined = metadata.get("rows_quarantined")
    if quarantined is not None and _value(quarantined):
        extra = f"   ({_value(quarantined)} quarantined, see quarantine.rejected_rows)"
    print(f"  ✓ {_asset_name(context):<36}{rows_text} {seconds_text}{extra}", flush=True)


@dg.failure_hook
def print_failure(context: dg.HookContext) -> None:
    if context.op.name.endswith("_expectations"):
        failed = [e for e in check_evaluations(context.instance, context.run_id, context.step_key) if not e.passed]
        print(f"  ✗ {_asset_name(context)}: {len(failed)} check(s) failed", flush=True)
        for evaluation in failed:
            print(f"      {evaluation.severity.value.lower():<5} {describe_failure(evaluation)}", flush=True)
        return
    print(f"  ✗ {_asset_name(context)}: {context.op_exception}", flush=True)


def _error_message(result) -> str:
    """The first step failure's message, preferring our InputFileError over wrappers."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error:
            error = event.step_failure_data.error
            cause = error.cause or error
            while cause.cause is not None and cause.cls_name != InputFileError.__name__:
                cause = cause.cause
            return f"{event.step_key}: {cause.message.strip()}"
    return "the run failed"


def run_refresh_all(instance: dg.DagsterInstance | None = None) -> tuple[bool, str]:
    """Execute `refresh_all` in this process; (succeeded, what went wrong for a person)."""
    from pipelines.definitions import defs

    instance = instance or dg.DagsterInstance.get()
    job = defs.resolve_job_def("refresh_all").with_hooks({print_progress, print_failure})
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
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
