"""gold/data_quality_daily from inline quality logs: per table and UTC day of evaluation, the sums,
the row-weighted completeness (a batch without one left out), and the documented quality_score."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from chispa import assert_df_equality

from common import tables
from jobs.lib.data_quality_daily import data_quality_daily
from schemas import DATA_QUALITY_DAILY, QUALITY_BATCHES, QUALITY_RESULTS

COLUMNS = [c for c in DATA_QUALITY_DAILY.column_names if c not in ("run_id", "computed_at")]


def batch(run_id, table, rows, quarantined, completeness, at):
    return (run_id, "job", table, rows, quarantined, completeness, True, at)


def result(run_id, table, expectation, success, at):
    return (run_id, "job", table, expectation, "error", success, 10, 0 if success else 1, "[]", at)


def frame(spark, spec, rows):
    ddl = ", ".join(f"{f.name} {f.dataType.simpleString()}" for f in spec.schema.fields)
    return tables.conform(spark.createDataFrame(rows, ddl), spec)


def test_indicators_per_table_and_utc_day(spark):
    day1, late1, day2 = (
        datetime(2026, 10, 26, 6),
        datetime(2026, 10, 26, 23, 59),
        datetime(2026, 10, 27, 0, 1),
    )
    batches = [
        batch("r1", "staging/price", 100, 4, 0.9, day1),
        batch("r2", "staging/price", 300, 0, 0.5, late1),  # same UTC day: weights 100 and 300
        batch("r3", "staging/price", 0, 0, None, day2),  # an empty batch: no completeness
        batch("r1", "landing/energy_charts", 2, 0, None, day1),  # a suite without completeness
    ]
    results = [
        result("r1", "staging/price", "a", True, day1),
        result("r1", "staging/price", "b", False, day1),
        result("r2", "staging/price", "a", True, late1),
        result("r2", "staging/price", "b", True, late1),
        result("r3", "staging/price", "a", False, day2),
        result("r1", "landing/energy_charts", "a", True, day1),
        result("r9", "cdc/price", "a", False, day2),  # results without a batch row (a foreign log)
    ]

    actual = data_quality_daily(
        frame(spark, QUALITY_RESULTS, results), frame(spark, QUALITY_BATCHES, batches)
    )

    completeness_26 = (96 * 0.9 + 300 * 0.5) / 396  # weighted by the rows that flowed on
    expected = [
        # table, date, runs, rows, completeness, evaluated, failed, quarantined, score
        ("cdc/price", date(2026, 10, 27), 0, 0, None, 1, 1, 0, 0.5 + 0.3 * 0.0 + 0.2),
        ("landing/energy_charts", date(2026, 10, 26), 1, 2, None, 1, 0, 0, 1.0),
        ("staging/price", date(2026, 10, 26), 2, 400, completeness_26, 4, 1, 4,
         0.5 * (1 - 4 / 400) + 0.3 * (1 - 1 / 4) + 0.2 * completeness_26),
        ("staging/price", date(2026, 10, 27), 1, 0, None, 1, 1, 0, 0.5 + 0.0 + 0.2),
    ]  # fmt: skip
    expected_df = spark.createDataFrame(
        expected,
        "table string, date date, runs long, rows long, completeness double, expectations_evaluated long, "
        "expectations_failed long, quarantined_rows long, quality_score double",
    )
    assert_df_equality(
        actual.select(COLUMNS),
        expected_df.select(COLUMNS),
        ignore_row_order=True,
        ignore_nullable=True,
        allow_nan_equality=False,
    )


def test_scores_agree_to_rounding_with_the_formula(spark):
    # One third of the rows quarantined, of the expectations failed and of the values missing.
    at = datetime(2026, 10, 26, 6)
    batches = [batch("r1", "staging/price", 3, 1, 2 / 3, at)]
    results = [result("r1", "staging/price", name, name != "c", at) for name in "abc"]

    row = data_quality_daily(
        frame(spark, QUALITY_RESULTS, results), frame(spark, QUALITY_BATCHES, batches)
    ).first()

    assert row.quality_score == pytest.approx(0.5 * (2 / 3) + 0.3 * (2 / 3) + 0.2 * (2 / 3), rel=1e-12)
