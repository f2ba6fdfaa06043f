"""Running `refresh_all` from the command line, one progress line per asset."""

from __future__ import annotations

import dagster as dg

from assets.transforms.errors import InputFileError


def _asset_name(context: dg.HookContext) -> str:
    return context.op.name.replace("__", "/")


@dg.success_hook
def print_progress(context: dg.HookContext) -> None:
    """`✓ staging/funding_events   3 rows   0.05 s` after each asset."""
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
    print(f"  ✗ {_asset_name(context)}: {context.op_exception}", flush=True)


def _value(entry):
    return getattr(entry, "value", entry)


def run_refresh_all(instance: dg.DagsterInstance | None = None) -> tuple[bool, str]:
    """Execute `refresh_all` in this process; (succeeded, the first error's message)."""
    from pipelines.definitions import defs

    job = defs.resolve_job_def("refresh_all").with_hooks({print_progress, print_failure})
    result = job.execute_in_process(
        instance=instance or dg.DagsterInstance.get(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    if result.success:
        return True, ""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error:
            error = event.step_failure_data.error
            cause = error.cause or error
            while cause.cause is not None and cause.cls_name != InputFileError.__name__:
                cause = cause.cause
            return False, f"{event.step_key}: {cause.message.strip()}"
    return False, "the run failed"
