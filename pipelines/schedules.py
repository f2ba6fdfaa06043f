"""Schedules. Both start on by default (`default_status=RUNNING`): turn them off in the UI
(Automation → Schedules) if you only run the pipeline by hand."""

from __future__ import annotations

import dagster as dg

from assets.quotes import all_days_tags
from pipelines.jobs import DOMAIN_JOBS, refresh_all

#: Every morning at 06:00 UTC, the prices job for the day just ended: that day's quote
#: files, the curated price points, and the marts built on them.
daily_price_refresh = dg.build_schedule_from_partitioned_job(
    DOMAIN_JOBS["prices"],
    name="daily_price_refresh",
    hour_of_day=6,
    minute_of_hour=0,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily at 06:00 UTC: the prices job for the previous day's quotes. On by default.",
)


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
