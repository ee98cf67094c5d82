"""gold/underperformance_features transforms on inline cdc rows: half-hour means, installed capacity by
local month, DST calendars and lags, expected capacity factors, thresholds and the price switch."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from chispa import assert_df_equality
from pyspark.sql.types import StructType

from jobs.lib.underperformance_features import (
    FEATURE_FIELDS,
    half_hourly_power,
    underperformance_features,
    with_capacity_factor,
    with_cf_lag,
    with_expected_cf,
    with_installed_mw,
    with_interval_start,
    with_is_underperforming,
    with_local_calendar,
    with_performance_ratio,
    with_price_eur_mwh,
)

TZ = "Europe/Berlin"
DAY_S = 86_400
POWER_SCHEMA = "country string, production_type string, ts_utc timestamp, value_mw double"
INSTALLED_SCHEMA = (
    "country string, production_type string, time_step string, period_start date, installed_gw double"
)
PRICE_SCHEMA = "bidding_zone string, ts_utc timestamp, price_eur_mwh double, interval_minutes int"
CF_SCHEMA = "country string, production_type string, interval_start timestamp, capacity_factor double"
CAPACITY_SERIES = {
    "Solar": ["Solar AC", "Solar"],
    "Wind onshore": ["Wind onshore"],
    "Wind offshore": ["Wind offshore"],
}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def as_utc(ts: datetime) -> datetime:
    """A collected timestamp (naive, in the process time zone that conftest pins to UTC) as UTC."""
    return ts.replace(tzinfo=timezone.utc)


def half_hours(first: datetime, count: int) -> list[datetime]:
    return [first + timedelta(minutes=30 * i) for i in range(count)]


def intervals(spark, starts: list[datetime]):
    return spark.createDataFrame([(ts,) for ts in starts], "interval_start timestamp")


def test_features_have_the_spec_columns_and_types_with_aliases_and_unconfigured_series_dropped(spark):
    # 11:00Z is 12:00 CET on Thursday 2026-01-15; Nuclear is no configured series.
    power_df = spark.createDataFrame(
        [
            ("de", "solar", utc(2026, 1, 15, 11, 0), 400.0),
            ("de", "solar", utc(2026, 1, 15, 11, 15), 600.0),
            ("de", "Solar", utc(2026, 1, 15, 11, 30), None),
            ("de", "Nuclear", utc(2026, 1, 15, 11, 0), 4000.0),
        ],
        POWER_SCHEMA,
    )
    installed_df = spark.createDataFrame(
        [("de", "Solar AC", "monthly", date(2026, 1, 1), 10.0)], INSTALLED_SCHEMA
    )
    price_df = spark.createDataFrame([("DE-LU", utc(2026, 1, 15, 11, 0), 90.0, 60)], PRICE_SCHEMA)

    result = underperformance_features(
        power_df,
        installed_df,
        price_df,
        time_zone=TZ,
        aliases={"solar": "Solar"},
        capacity_series=CAPACITY_SERIES,
    )

    row = ("de", "Solar", utc(2026, 1, 15, 11, 0), 500.0, 2, 10000.0, 0.05, 24, 4, 1, False)
    null_row = ("de", "Solar", utc(2026, 1, 15, 11, 30), None, 0, 10000.0, None, 25, 4, 1, False)
    expected = spark.createDataFrame(
        [(*r, None, None, None, None, None, 90.0) for r in (row, null_row)],
        StructType(FEATURE_FIELDS),
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True, ignore_metadata=True)


def test_avg_mw_and_samples_count_the_non_null_quarter_hours_of_each_utc_half_hour(spark):
    points = [
        (utc(2026, 6, 1, 10, 0), 10.0),
        (utc(2026, 6, 1, 10, 15), None),
        (utc(2026, 6, 1, 10, 30), None),
        (utc(2026, 6, 1, 10, 45), None),
        (utc(2026, 6, 1, 11, 0), 5.0),
        (utc(2026, 6, 1, 11, 15), 8.0),
    ]
    power_df = spark.createDataFrame([("de", "Solar", ts, v) for ts, v in points], POWER_SCHEMA)

    result = power_df.transform(with_interval_start).transform(half_hourly_power)

    expected = spark.createDataFrame(
        [
            ("de", "Solar", utc(2026, 6, 1, 10, 0), 10.0, 1),
            ("de", "Solar", utc(2026, 6, 1, 10, 30), None, 0),
            ("de", "Solar", utc(2026, 6, 1, 11, 0), 6.5, 2),
        ],
        "country string, production_type string, interval_start timestamp, avg_mw double, samples int",
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)


def test_spring_dst_day_has_no_slots_4_and_5(spark):
    # 2026-03-29 (Sunday) runs from 2026-03-28T23:00Z for 23 hours; 02:00-03:00 local does not exist.
    df = intervals(spark, half_hours(utc(2026, 3, 28, 23, 0), 46)).transform(with_local_calendar, TZ)

    rows = df.collect()

    assert sorted(r.slot_local for r in rows) == [s for s in range(48) if s not in (4, 5)]
    assert {(r._local_date, r.day_of_week_local, r.month_local, r.is_weekend) for r in rows} == {
        (date(2026, 3, 29), 7, 3, True)
    }


def test_autumn_dst_day_repeats_slots_4_and_5(spark):
    # 2026-10-25 (Sunday) runs from 2026-10-24T22:00Z for 25 hours; 02:00-03:00 local happens twice.
    df = intervals(spark, half_hours(utc(2026, 10, 24, 22, 0), 50)).transform(with_local_calendar, TZ)

    slots = sorted(r.slot_local for r in df.collect())

    assert slots == sorted([*range(48), 4, 5])
    repeated = df.filter("slot_local IN (4, 5)").orderBy("interval_start")
    assert [as_utc(r.interval_start) for r in repeated.collect()] == half_hours(utc(2026, 10, 25, 0, 0), 4)


@pytest.mark.parametrize(
    ("start", "slot", "local_date", "day_of_week", "month", "is_weekend"),
    [
        (utc(2026, 3, 28, 22, 30), 47, date(2026, 3, 28), 6, 3, True),  # Saturday 23:30 CET
        (utc(2026, 10, 25, 23, 0), 0, date(2026, 10, 26), 1, 10, False),  # Monday 00:00 CET
        (utc(2026, 2, 28, 23, 0), 0, date(2026, 3, 1), 7, 3, True),  # local month turns before UTC's
        (utc(2026, 7, 1, 13, 30), 31, date(2026, 7, 1), 3, 7, False),  # Wednesday 15:30 CEST
    ],
)
def test_local_calendar_features(spark, start, slot, local_date, day_of_week, month, is_weekend):
    row = intervals(spark, [start]).transform(with_local_calendar, TZ).collect()[0]

    assert (row.slot_local, row._local_date, row.day_of_week_local, row.month_local, row.is_weekend) == (
        slot,
        local_date,
        day_of_week,
        month,
        is_weekend,
    )


def test_installed_mw_takes_the_latest_earlier_non_null_month_of_the_first_existing_series(spark):
    installed_df = spark.createDataFrame(
        [
            ("de", "Solar AC", "monthly", date(2025, 12, 1), None),  # exists, but nothing before January
            ("de", "Solar AC", "monthly", date(2026, 1, 1), 10.0),
            ("de", "Solar AC", "monthly", date(2026, 2, 1), None),  # null month
            ("de", "Solar AC", "monthly", date(2026, 4, 1), 12.0),  # March is missing
            ("de", "Solar AC", "yearly", date(2026, 1, 1), 50.0),
            ("de", "Solar", "monthly", date(2026, 1, 1), 99.0),  # Solar AC is preferred
            ("fr", "Solar AC", "yearly", date(2026, 1, 1), 50.0),  # yearly only: fr falls back to Solar
            ("fr", "Solar", "monthly", date(2026, 1, 1), 20.0),
            ("de", "Wind onshore", "monthly", date(2026, 1, 1), 60.0),
        ],
        INSTALLED_SCHEMA,
    )
    rows = [
        ("de", "Solar", utc(2025, 12, 15, 12, 0)),
        ("de", "Solar", utc(2026, 1, 15, 12, 0)),
        ("de", "Solar", utc(2026, 2, 15, 12, 0)),
        ("de", "Solar", utc(2026, 3, 31, 21, 30)),  # 23:30 CEST, still March
        ("de", "Solar", utc(2026, 3, 31, 22, 0)),  # 00:00 CEST, April locally
        ("fr", "Solar", utc(2026, 2, 15, 12, 0)),
        ("de", "Wind onshore", utc(2026, 2, 15, 12, 0)),
        ("de", "Wind offshore", utc(2026, 2, 15, 12, 0)),  # no configured series exists
    ]
    df = spark.createDataFrame(rows, "country string, production_type string, interval_start timestamp")

    result = df.transform(with_local_calendar, TZ).transform(with_installed_mw, installed_df, CAPACITY_SERIES)

    assert {
        (r.country, r.production_type, as_utc(r.interval_start)): r.installed_mw for r in result.collect()
    } == {
        ("de", "Solar", utc(2025, 12, 15, 12, 0)): None,
        ("de", "Solar", utc(2026, 1, 15, 12, 0)): 10000.0,
        ("de", "Solar", utc(2026, 2, 15, 12, 0)): 10000.0,
        ("de", "Solar", utc(2026, 3, 31, 21, 30)): 10000.0,
        ("de", "Solar", utc(2026, 3, 31, 22, 0)): 12000.0,
        ("fr", "Solar", utc(2026, 2, 15, 12, 0)): 20000.0,
        ("de", "Wind onshore", utc(2026, 2, 15, 12, 0)): 60000.0,
        ("de", "Wind offshore", utc(2026, 2, 15, 12, 0)): None,
    }


def test_capacity_factor_is_null_when_either_side_is_null_or_capacity_is_zero(spark):
    df = spark.createDataFrame(
        [(1, 100.0, 1000.0), (2, None, 1000.0), (3, 100.0, None), (4, 100.0, 0.0)],
        "id int, avg_mw double, installed_mw double",
    )

    result = {r.id: r.capacity_factor for r in df.transform(with_capacity_factor).collect()}

    assert result == {1: 0.1, 2: None, 3: None, 4: None}


def test_lags_land_exactly_86400_and_7_x_86400_seconds_earlier_across_spring_dst(spark):
    # 2026-03-29T10:00Z is 12:00 CEST; one day earlier is 10:00Z = 11:00 CET, not 12:00 CET (11:00Z).
    now = utc(2026, 3, 29, 10, 0)
    rows = [
        ("de", "Solar", now, 0.5),
        ("de", "Solar", now - timedelta(seconds=DAY_S), 0.3),
        ("de", "Solar", utc(2026, 3, 28, 11, 0), 0.9),  # same local clock time, wrong instant
        ("de", "Solar", now - timedelta(seconds=7 * DAY_S), 0.2),
        ("de", "Wind onshore", now, 0.4),
        ("de", "Wind onshore", now - timedelta(seconds=DAY_S), None),  # present row, null value
        ("de", "Solar", now + timedelta(minutes=30), 0.6),  # nothing a day or a week earlier
    ]
    df = spark.createDataFrame(rows, CF_SCHEMA)

    result = df.transform(with_cf_lag, DAY_S, "cf_lag_1d").transform(with_cf_lag, 7 * DAY_S, "cf_lag_7d")

    lags = {
        (r.production_type, as_utc(r.interval_start)): (r.cf_lag_1d, r.cf_lag_7d) for r in result.collect()
    }
    assert lags[("Solar", now)] == (0.3, 0.2)
    assert lags[("Wind onshore", now)] == (None, None)
    assert lags[("Solar", now + timedelta(minutes=30))] == (None, None)
    assert lags[("Solar", utc(2026, 3, 28, 11, 0))] == (None, None)
    assert len(lags) == len(rows)


def test_expected_cf_needs_7_values_over_the_28_previous_local_days_and_counts_both_autumn_passes(spark):
    # Slot 4 is 02:00 local: 00:00Z in CEST, 01:00Z in CET; 2026-10-25 has it at 00:00Z and 01:00Z.
    slot_4 = [
        (utc(2026, 9, 27, 0, 0), 9.0),  # 29 days before 2026-10-26: outside its window
        (utc(2026, 10, 19, 0, 0), None),
        (utc(2026, 10, 20, 0, 0), 0.5),
        (utc(2026, 10, 21, 0, 0), 0.25),
        (utc(2026, 10, 22, 0, 0), 0.75),
        (utc(2026, 10, 23, 0, 0), 0.5),
        (utc(2026, 10, 24, 0, 0), 0.25),
        (utc(2026, 10, 25, 0, 0), 0.75),  # first pass of 02:00
        (utc(2026, 10, 25, 1, 0), 0.5),  # second pass of 02:00
        (utc(2026, 10, 26, 1, 0), 0.1),
    ]
    rows = [
        *[("de", "Solar", ts, cf) for ts, cf in slot_4],
        ("de", "Solar", utc(2026, 10, 26, 1, 30), 7.0),  # slot 5: no history of its own
        ("de", "Wind onshore", utc(2026, 10, 26, 1, 0), 0.3),  # Solar's history is not its own
    ]
    df = spark.createDataFrame(rows, CF_SCHEMA).transform(with_local_calendar, TZ)

    result = df.transform(with_expected_cf, 28, 7)

    expected_cf = {(r.production_type, as_utc(r.interval_start)): r.expected_cf for r in result.collect()}
    # 2026-10-25 sees 6 values (9.0 and five from 10-20 … 10-24): too few.
    assert expected_cf[("Solar", utc(2026, 10, 25, 0, 0))] is None
    assert expected_cf[("Solar", utc(2026, 10, 25, 1, 0))] is None
    # 2026-10-26 sees 10-20 … 10-25 with both autumn passes: 7 values with mean 3.5 / 7.
    assert expected_cf[("Solar", utc(2026, 10, 26, 1, 0))] == 0.5
    assert expected_cf[("Solar", utc(2026, 10, 26, 1, 30))] is None
    assert expected_cf[("Wind onshore", utc(2026, 10, 26, 1, 0))] is None
    assert sum(v is not None for v in expected_cf.values()) == 1


def test_expected_cf_window_and_minimum_are_parameters(spark):
    rows = [("de", "Solar", utc(2026, 6, d, 10, 0), 0.1 * d) for d in (1, 2, 3, 4)]
    df = spark.createDataFrame(rows, CF_SCHEMA).transform(with_local_calendar, TZ)

    result = df.transform(with_expected_cf, 2, 2)

    assert {r.interval_start.day: r.expected_cf for r in result.collect()} == {
        1: None,
        2: None,
        3: pytest.approx(0.15),
        4: pytest.approx(0.25),
    }


def test_performance_ratio_and_is_underperforming_thresholds(spark):
    df = spark.createDataFrame(
        [
            (1, 0.2, 0.5),  # ratio 0.4 with a meaningful expectation
            (2, 0.25, 0.5),  # ratio exactly 0.5 is not below the threshold
            (3, 0.01, 0.04),  # expectation below min_expected_cf
            (4, 0.02, 0.05),  # expectation exactly at min_expected_cf
            (5, 0.3, 0.0),
            (6, None, 0.5),
            (7, 0.3, None),
        ],
        "id int, capacity_factor double, expected_cf double",
    )

    result = df.transform(with_performance_ratio).transform(with_is_underperforming, 0.5, 0.05)

    rows = {r.id: (r.performance_ratio, r.is_underperforming) for r in result.collect()}
    assert rows == {
        1: (0.4, True),
        2: (0.5, False),
        3: (0.25, False),
        4: (pytest.approx(0.4), True),
        5: (None, None),
        6: (None, None),
        7: (None, None),
    }


def test_price_follows_the_switch_from_hourly_to_quarter_hourly_prices(spark):
    # DE-LU prices are hourly before 2025-09-30T22:00Z (2025-10-01 00:00 CEST), quarter-hourly from it.
    price_df = spark.createDataFrame(
        [
            ("DE-LU", utc(2025, 9, 30, 20, 0), 80.0, 60),
            ("DE-LU", utc(2025, 9, 30, 21, 0), None, 60),
            ("DE-LU", utc(2025, 9, 30, 22, 0), 10.0, 15),
            ("DE-LU", utc(2025, 9, 30, 22, 15), 20.0, 15),
            ("DE-LU", utc(2025, 9, 30, 22, 30), None, 15),
            ("DE-LU", utc(2025, 9, 30, 22, 45), 40.0, 15),
        ],
        PRICE_SCHEMA,
    )
    df = intervals(spark, half_hours(utc(2025, 9, 30, 20, 0), 8))

    result = {
        as_utc(r.interval_start): r.price_eur_mwh
        for r in df.transform(with_price_eur_mwh, price_df).collect()
    }

    assert result == {
        utc(2025, 9, 30, 20, 0): 80.0,  # first half of the containing hourly price
        utc(2025, 9, 30, 20, 30): 80.0,
        utc(2025, 9, 30, 21, 0): None,  # the hourly price is null
        utc(2025, 9, 30, 21, 30): None,
        utc(2025, 9, 30, 22, 0): 15.0,  # mean of two quarter-hour prices
        utc(2025, 9, 30, 22, 30): 40.0,  # a null quarter-hour leaves the other one
        utc(2025, 9, 30, 23, 0): None,  # no price yet
        utc(2025, 9, 30, 23, 30): None,
    }


def test_price_weights_overlapping_prices_by_overlap_duration(spark):
    price_df = spark.createDataFrame(
        [("DE-LU", utc(2025, 9, 30, 19, 0), 100.0, 60), ("DE-LU", utc(2025, 9, 30, 19, 15), 10.0, 15)],
        PRICE_SCHEMA,
    )
    df = intervals(spark, [utc(2025, 9, 30, 19, 0), utc(2025, 9, 30, 19, 30)])

    result = {
        as_utc(r.interval_start): r.price_eur_mwh
        for r in df.transform(with_price_eur_mwh, price_df).collect()
    }

    assert result == {
        utc(2025, 9, 30, 19, 0): pytest.approx((100.0 * 1800 + 10.0 * 900) / 2700),
        utc(2025, 9, 30, 19, 30): 100.0,
    }
