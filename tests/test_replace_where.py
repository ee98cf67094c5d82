"""`tables.replace_where`: one commit replaces the rows a predicate selects; Delta's check that the new
rows match the predicate stays on unless a caller that builds its rows from the predicate opts out,
and opting out leaves the session's setting as it found it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from common import tables
from schemas import JOB_RUNS

CHECK = "spark.databricks.delta.replaceWhere.constraintCheck.enabled"
STARTED = datetime(2026, 11, 28, tzinfo=timezone.utc)


def runs(spark, *rows: tuple[str, str]):
    return tables.rows_to_df(
        spark, JOB_RUNS, [{"run_id": r, "job": "j", "started_at": STARTED, "status": s} for r, s in rows]
    )


def test_replace_where_replaces_the_selected_rows_and_checks_them_unless_told_not_to(spark, lakehouse):
    tables.append(spark, lakehouse, JOB_RUNS, runs(spark, ("a", "running"), ("b", "running")))
    assert spark.conf.get(CHECK, None) is None

    tables.replace_where(
        spark, lakehouse, JOB_RUNS, runs(spark, ("a", "succeeded")), "run_id = 'a'", check=False
    )
    assert spark.conf.get(CHECK, None) is None  # unset again, as found
    stored = tables.read_table(spark, lakehouse, JOB_RUNS).select("run_id", "status").collect()
    assert sorted(map(tuple, stored)) == [("a", "succeeded"), ("b", "running")]

    # Checked (the default): a row outside the predicate is refused and nothing changes.
    with pytest.raises(Exception, match="DELTA_REPLACE_WHERE_MISMATCH"):
        tables.replace_where(spark, lakehouse, JOB_RUNS, runs(spark, ("c", "succeeded")), "run_id = 'b'")
    assert tables.read_table(spark, lakehouse, JOB_RUNS).count() == 2

    spark.conf.set(CHECK, "true")
    try:
        tables.replace_where(
            spark, lakehouse, JOB_RUNS, runs(spark, ("b", "failed")), "run_id = 'b'", check=False
        )
        assert spark.conf.get(CHECK) == "true"  # a value set before is put back
    finally:
        spark.conf.unset(CHECK)
    stored = tables.read_table(spark, lakehouse, JOB_RUNS).select("run_id", "status").collect()
    assert sorted(map(tuple, stored)) == [("a", "succeeded"), ("b", "failed")]
