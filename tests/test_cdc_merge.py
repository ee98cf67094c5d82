"""The generic CDC merge on cdc/public_power: inserts, revisions, late nulls, duplicate keys in a
batch, re-runs and batch order."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from pyspark.sql import functions as F

from common import tables
from common.cdc import merge_cdc, prepare_batch
from common.columns import with_ts_month
from schemas import CDC_INSTALLED_POWER, CDC_PRICE, CDC_PUBLIC_POWER, STAGING_PUBLIC_POWER


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


T0 = utc(2026, 8, 19, 0, 0)
T1 = utc(2026, 8, 19, 0, 15)
FETCH_1 = utc(2026, 8, 19, 9, 5)
FETCH_2 = utc(2026, 8, 27, 10, 0)
RUN_1 = utc(2026, 8, 19, 9, 0)
RUN_2 = utc(2026, 8, 27, 9, 59)


def staged(spark, rows):
    """(production_type, ts_utc, value_mw, fetched_at, run_id) -> staging rows for country de."""
    df = spark.createDataFrame(
        [("de", series, ts, value, fetched, run_id) for series, ts, value, fetched, run_id in rows],
        "country string, production_type string, ts_utc timestamp, value_mw double, fetched_at timestamp, "
        "run_id string",
    )
    return tables.conform(df.transform(with_ts_month), STAGING_PUBLIC_POWER)


def merge(spark, config, rows, run_ts):
    batch = prepare_batch(staged(spark, rows), CDC_PUBLIC_POWER, run_ts)
    return merge_cdc(spark, config, CDC_PUBLIC_POWER, batch)


def cdc_rows(spark, config):
    return {
        (r.production_type, r.ts_utc): (r.value_mw, r.fetched_at, r.first_seen_at, r.updated_at)
        for r in tables.read_table(spark, config, CDC_PUBLIC_POWER).collect()
    }


def naive(ts: datetime) -> datetime:
    return ts.replace(tzinfo=None)


def test_first_batch_inserts_every_key_even_unpublished_ones(spark, lakehouse):
    metrics = merge(
        spark,
        lakehouse,
        [
            ("Solar", T0, 10.0, FETCH_1, "r1"),
            ("Load", T0, None, FETCH_1, "r1"),
        ],
        RUN_1,
    )

    assert cdc_rows(spark, lakehouse) == {
        ("Solar", naive(T0)): (10.0, naive(FETCH_1), naive(RUN_1), naive(RUN_1)),
        ("Load", naive(T0)): (None, naive(FETCH_1), naive(RUN_1), naive(RUN_1)),
    }
    assert metrics["num_inserted_rows"] == 2
    assert metrics["num_updated_rows"] == 0


def test_later_different_value_is_a_revision_and_null_never_overwrites(spark, lakehouse):
    merge(
        spark,
        lakehouse,
        [
            ("Solar", T0, 10.0, FETCH_1, "r1"),
            ("Solar", T1, 11.0, FETCH_1, "r1"),
            ("Load", T0, None, FETCH_1, "r1"),
        ],
        RUN_1,
    )
    metrics = merge(
        spark,
        lakehouse,
        [
            ("Solar", T0, 12.5, FETCH_2, "r2"),  # revised
            ("Solar", T1, None, FETCH_2, "r2"),  # later null: keeps 11.0
            ("Load", T0, 40270.4, FETCH_2, "r2"),  # published at last
        ],
        RUN_2,
    )

    assert cdc_rows(spark, lakehouse) == {
        ("Solar", naive(T0)): (12.5, naive(FETCH_2), naive(RUN_1), naive(RUN_2)),
        ("Solar", naive(T1)): (11.0, naive(FETCH_1), naive(RUN_1), naive(RUN_1)),
        ("Load", naive(T0)): (40270.4, naive(FETCH_2), naive(RUN_1), naive(RUN_2)),
    }
    assert metrics["num_updated_rows"] == 2
    assert metrics["num_inserted_rows"] == 0


def test_same_value_fetched_later_only_moves_fetched_at(spark, lakehouse):
    merge(spark, lakehouse, [("Solar", T0, 10.0, FETCH_1, "r1")], RUN_1)
    merge(spark, lakehouse, [("Solar", T0, 10.0, FETCH_2, "r2")], RUN_2)

    assert cdc_rows(spark, lakehouse) == {
        ("Solar", naive(T0)): (10.0, naive(FETCH_2), naive(RUN_1), naive(RUN_1))
    }


def test_older_value_arriving_late_is_ignored(spark, lakehouse):
    merge(spark, lakehouse, [("Solar", T0, 12.5, FETCH_2, "r2")], RUN_2)
    metrics = merge(spark, lakehouse, [("Solar", T0, 10.0, FETCH_1, "r1")], RUN_2)

    assert cdc_rows(spark, lakehouse)[("Solar", naive(T0))][:2] == (12.5, naive(FETCH_2))
    assert metrics["num_updated_rows"] == 0


def test_duplicate_keys_in_one_batch_keep_the_latest_non_null_value(spark, lakehouse):
    merge(
        spark,
        lakehouse,
        [
            ("Solar", T0, 10.0, FETCH_1, "r1"),
            ("Solar", T0, 12.5, FETCH_2, "r2"),
            ("Solar", T0, None, utc(2026, 8, 28), "r3"),  # newest, but null
            ("Wind onshore", T0, 7.0, FETCH_1, "r1"),
            ("Wind onshore", T0, 8.0, FETCH_1, "r9"),  # same fetched_at: the larger run_id wins
            ("Load", T0, None, FETCH_1, "r1"),
            ("Load", T0, None, FETCH_2, "r2"),  # all null: the newest null row
        ],
        RUN_2,
    )

    assert {k: v[:2] for k, v in cdc_rows(spark, lakehouse).items()} == {
        ("Solar", naive(T0)): (12.5, naive(FETCH_2)),
        ("Wind onshore", naive(T0)): (8.0, naive(FETCH_1)),
        ("Load", naive(T0)): (None, naive(FETCH_2)),
    }


def test_rerun_with_the_same_batch_changes_nothing(spark, lakehouse):
    rows = [("Solar", T0, 10.0, FETCH_1, "r1"), ("Load", T0, None, FETCH_1, "r1")]
    merge(spark, lakehouse, rows, RUN_1)
    before = cdc_rows(spark, lakehouse)
    version = tables.current_version(spark, lakehouse, CDC_PUBLIC_POWER)

    metrics = merge(spark, lakehouse, rows, RUN_2)

    assert cdc_rows(spark, lakehouse) == before
    assert metrics["num_updated_rows"] == 0 and metrics["num_inserted_rows"] == 0
    changes = tables.read_changes(spark, lakehouse, CDC_PUBLIC_POWER, version + 1, version + 1)
    assert changes.filter(F.col("_change_type") != "update_preimage").count() == 0


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_batches_in_any_order_give_the_same_values(spark, lakehouse, order):
    batches = [
        [("Solar", T0, 10.0, FETCH_1, "r1"), ("Load", T0, None, FETCH_1, "r1")],
        [("Solar", T0, 12.5, FETCH_2, "r2"), ("Load", T0, None, FETCH_2, "r2")],
        [("Solar", T0, None, utc(2026, 9, 1), "r3"), ("Load", T0, 40270.4, utc(2026, 9, 1), "r3")],
    ]
    for index in order:
        merge(spark, lakehouse, batches[index], RUN_2)

    assert {k: v[:2] for k, v in cdc_rows(spark, lakehouse).items()} == {
        ("Solar", naive(T0)): (12.5, naive(FETCH_2)),
        ("Load", naive(T0)): (40270.4, naive(utc(2026, 9, 1))),
    }


def test_merge_condition_names_the_partitions_and_the_time_range_of_the_batch(spark):
    batch = staged(
        spark,
        [
            ("Solar", utc(2026, 7, 31, 23, 45), 1.0, FETCH_1, "r1"),
            ("Solar", T0, 2.0, FETCH_1, "r1"),
            ("Wind onshore", T1, None, FETCH_1, "r1"),
        ],
    )

    assert tables.merge_predicate(batch, CDC_PUBLIC_POWER) == (
        "t.country IN ('de') AND t.ts_month IN (DATE'2026-07-01', DATE'2026-08-01') AND t.ts_utc BETWEEN "
        "TIMESTAMP'2026-07-31T23:45:00.000000Z' AND TIMESTAMP'2026-08-19T00:15:00.000000Z'"
    )
    assert tables.merge_predicate(batch.limit(0), CDC_PUBLIC_POWER) == "false"


def merge_rows(spark, config, spec, staged_rows, schema, run_ts, transform=None):
    df = spark.createDataFrame(staged_rows, schema)
    df = df.transform(transform) if transform else df
    batch = prepare_batch(df, spec, run_ts)
    return merge_cdc(spark, config, spec, batch)


PRICE_STAGED = (
    "bidding_zone string, ts_utc timestamp, price_eur_mwh double, unit string, interval_minutes int, "
    "fetched_at timestamp, run_id string"
)


def test_price_merge_revises_price_and_unit_and_keeps_published_prices(spark, lakehouse):
    quarter = utc(2025, 10, 1, 10, 15)
    hour = utc(2025, 9, 30, 10)
    merge_rows(spark, lakehouse, CDC_PRICE, [
        ("DE-LU", hour, 80.0, "EUR / MWh", 60, FETCH_1, "r1"),
        ("DE-LU", quarter, 12.5, "EUR / MWh", 15, FETCH_1, "r1"),
        ("DE-LU", quarter, 12.0, "EUR / MWh", 15, utc(2026, 8, 19, 8), "r0"),  # older duplicate
    ], PRICE_STAGED, RUN_1, with_ts_month)  # fmt: skip
    metrics = merge_rows(spark, lakehouse, CDC_PRICE, [
        ("DE-LU", hour, 80.0, "EUR/MWh", 60, FETCH_2, "r2"),  # unit spelled differently: a revision
        ("DE-LU", quarter, None, "EUR / MWh", 15, FETCH_2, "r2"),  # null keeps 12.5
    ], PRICE_STAGED, RUN_2, with_ts_month)  # fmt: skip

    rows = {r.ts_utc: r for r in tables.read_table(spark, lakehouse, CDC_PRICE).collect()}
    assert {ts: (r.price_eur_mwh, r.unit, r.interval_minutes, r.updated_at) for ts, r in rows.items()} == {
        naive(hour): (80.0, "EUR/MWh", 60, naive(RUN_2)),
        naive(quarter): (12.5, "EUR / MWh", 15, naive(RUN_1)),
    }
    assert (metrics["num_updated_rows"], metrics["num_inserted_rows"]) == (1, 0)


INSTALLED_STAGED = (
    "country string, production_type string, time_step string, period_start date, installed_gw double, "
    "last_update timestamp, fetched_at timestamp, run_id string"
)


def test_installed_power_merge_fills_the_latest_month_and_applies_revisions(spark, lakehouse):
    aug, sep = date(2026, 8, 1), date(2026, 9, 1)
    merge_rows(spark, lakehouse, CDC_INSTALLED_POWER, [
        ("de", "Battery storage (power)", "monthly", aug, 19.6, None, FETCH_1, "r1"),
        ("de", "Battery storage (power)", "monthly", sep, None, None, FETCH_1, "r1"),
        ("de", "Solar AC", "yearly", date(2026, 1, 1), 110.0, None, FETCH_1, "r1"),
    ], INSTALLED_STAGED, RUN_1)  # fmt: skip
    merge_rows(spark, lakehouse, CDC_INSTALLED_POWER, [
        ("de", "Battery storage (power)", "monthly", aug, 19.7, None, FETCH_2, "r2"),
        ("de", "Battery storage (power)", "monthly", sep, 20.1, None, FETCH_2, "r2"),
        ("de", "Solar AC", "yearly", date(2026, 1, 1), None, None, FETCH_2, "r2"),
    ], INSTALLED_STAGED, RUN_2)  # fmt: skip

    rows = tables.read_table(spark, lakehouse, CDC_INSTALLED_POWER).collect()
    assert {(r.production_type, r.time_step, r.period_start): (r.installed_gw, r.first_seen_at, r.updated_at)
            for r in rows} == {
        ("Battery storage (power)", "monthly", aug): (19.7, naive(RUN_1), naive(RUN_2)),
        ("Battery storage (power)", "monthly", sep): (20.1, naive(RUN_1), naive(RUN_2)),
        ("Solar AC", "yearly", date(2026, 1, 1)): (110.0, naive(RUN_1), naive(RUN_1)),
    }  # fmt: skip
