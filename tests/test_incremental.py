"""Planning gold recomputation from the Change Data Feed: first run, changed local days, nothing new,
and a feed that can no longer be read."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from common import tables
from common.cli import JobArgs
from common.incremental import Source, plan_refresh, save_offsets
from common.runs import job_run
from schemas import CDC_PUBLIC_POWER
from tests.test_cdc_merge import FETCH_1, FETCH_2, RUN_1, RUN_2, merge, utc

SOURCE = Source(CDC_PUBLIC_POWER, "country", "de", "Europe/Berlin")


def plan(full_refresh: bool = False):
    with job_run("transform.test", JobArgs(env="test")) as run:
        result = plan_refresh(run, [SOURCE], full_refresh)
        save_offsets(run, [SOURCE], result)
    return result


def test_changed_local_days_come_from_the_feed_since_the_last_plan(spark, lakehouse):
    late_evening = utc(2026, 10, 24, 22, 30)  # already 25 Oct in Berlin
    merge(spark, lakehouse, [("Solar", late_evening, 1.0, FETCH_1, "r1")], RUN_1)
    assert plan().full  # no recorded version yet

    assert plan().is_empty  # nothing new since
    merge(spark, lakehouse, [("Solar", late_evening, 2.0, FETCH_2, "r2")], RUN_2)

    later = plan()
    assert (later.full, later.days(SOURCE)) == (False, frozenset({date(2026, 10, 25)}))
    assert later.versions == {"cdc/public_power": tables.current_version(spark, lakehouse, CDC_PUBLIC_POWER)}


def test_an_unreadable_feed_falls_back_to_a_full_rebuild(spark, lakehouse):
    merge(spark, lakehouse, [("Solar", utc(2026, 10, 20), 1.0, FETCH_1, "r1")], RUN_1)
    plan()
    merge(spark, lakehouse, [("Solar", utc(2026, 10, 20), 2.0, FETCH_2, "r2")], RUN_2)
    # What VACUUM does to change files older than the retention period.
    shutil.rmtree(Path(tables.spec_path(lakehouse, CDC_PUBLIC_POWER)) / "_change_data")

    assert plan().full
    assert plan(full_refresh=True).full
