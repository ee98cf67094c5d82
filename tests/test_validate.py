"""The table contract: schema and non-null keys, with errors naming table, column and values."""

from __future__ import annotations

import pytest

from common.validate import ValidationError, check_keys_not_null, check_schema
from schemas import DAILY_PRODUCTION_TREND, JOB_RUNS

RUN_SCHEMA = JOB_RUNS.schema


def runs(spark, rows):
    full = [(run_id, job, None, None, "running", None, None, None, None, None, None) for run_id, job in rows]
    return spark.createDataFrame(full, RUN_SCHEMA.simpleString())


def test_good_batch_passes(spark):
    df = runs(spark, [("r1", "a"), ("r1", "b"), ("r2", "a")])
    check_schema(df, JOB_RUNS)
    check_keys_not_null(df, JOB_RUNS)


def test_null_key_names_table_column_and_rows(spark):
    with pytest.raises(
        ValidationError,
        match=r"ops/job_runs: key column 'job' is null in 1 row\(s\), e\.g\. \(run_id=r2, job=None\)",
    ):
        check_keys_not_null(runs(spark, [("r1", "a"), ("r2", None)]), JOB_RUNS)


def test_schema_mismatch_lists_every_problem(spark):
    df = spark.createDataFrame([("de", "2026-01-01", 1)], "country string, date string, extra int")

    with pytest.raises(ValidationError) as error:
        check_schema(df, DAILY_PRODUCTION_TREND)

    message = str(error.value)
    assert message.startswith(
        "gold/daily_production_trend: schema mismatch: missing column 'production_type'"
    )
    assert "unexpected column 'extra'" in message
    assert "column 'date' is string, expected date" in message
