"""Schedules. Both start on by default (`default_status=RUNNING`): turn them off in the UI
(Automation → Schedules) if you only run the pipeline by hand."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from assets.quotes import all_days_tags
from pipelines.jobs import daily_quotes, refresh_all


@dg.schedule(
    job=daily_quotes,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily at 06:00 UTC: the quote feed's partition for the day just ended, its checks and the price "
    "index for its month. On by default.",
)
def daily_price_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """The previous day's partition: the day's files are complete by 06:00 the next morning
    (the feed's partitions run through today, so the latest one would still be filling)."""
    day = f"{context.scheduled_execution_time - timedelta(days=1):%Y-%m-%d}"
    return dg.RunRequest(run_key=f"quotes-{day}", partition_key=day)


@dg.schedule(
    job=refresh_all,
    cron_schedule="0 3 * * 0",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Sundays at 03:00 UTC: everything, over every day of the quote feed. On by default.",
)
def weekly_full_rebuild(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=f"weekly-{context.scheduled_execution_time:%Y-%m-%d}",
        tags=all_days_tags(),
    )


SCHEDULES = [daily_price_refresh, weekly_full_rebuild]
