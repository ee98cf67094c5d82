"""gold/daily_production_trend transforms on inline cdc rows: DST days, nulls, aliases, exclusions
and the trailing 7-day mean."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from chispa import assert_df_equality

from jobs.lib.daily_production_trend import (
    daily_production_trend,
    filter_production_series,
    with_energy_7d_avg,
    with_production_type,
)

TZ = "Europe/Berlin"
CDC_SCHEMA = "country string, production_type string, ts_utc timestamp, value_mw double"
GOLD_COLUMNS = [
    "country",
    "date",
    "production_type",
    "interval_h",
    "energy_mwh",
    "avg_mw",
    "min_mw",
    "max_mw",
    "intervals_reported",
    "intervals_expected",
    "completeness",
    "energy_mwh_7d_avg",
]
GOLD_SCHEMA = (
    "country string, date date, production_type string, interval_h double, energy_mwh double, avg_mw double, "
    "min_mw double, max_mw double, intervals_reported int, intervals_expected int, completeness double, "
    "energy_mwh_7d_avg double"
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def quarter_hours(first: datetime, values: list[float | None]) -> list[tuple[datetime, float | None]]:
    return [(first + timedelta(minutes=15 * i), v) for i, v in enumerate(values)]


def cdc(spark, series: str, points: list[tuple[datetime, float | None]], country: str = "de"):
    return spark.createDataFrame([(country, series, ts, v) for ts, v in points], CDC_SCHEMA)


def trend(df):
    return df.transform(
        daily_production_trend,
        time_zone=TZ,
        aliases={"wind onshore": "Wind onshore", "solar": "Solar"},
        excluded_names=["Load", "Residual load", "Cross border electricity trading"],
        excluded_patterns=["^Renewable share"],
        default_interval_h=0.25,
    ).select(GOLD_COLUMNS)


def test_dst_days_expect_92_and_100_quarter_hours_and_nulls_do_not_count(spark):
    # 2026-03-29 (spring, 23 h) starts at 2026-03-28T23:00Z; 2026-10-25 (autumn, 25 h) at 2026-10-24T22:00Z.
    spring = quarter_hours(utc(2026, 3, 28, 23, 0), [100.0, None, 300.0])
    autumn = quarter_hours(utc(2026, 10, 24, 22, 0), [10.0, 20.0, None, 30.0])
    normal = quarter_hours(utc(2026, 10, 26, 23, 0), [None, None])  # 2026-10-27, nothing published yet
    df = cdc(spark, "Solar", spring + autumn + normal)

    expected = spark.createDataFrame(
        [
            ("de", date(2026, 3, 29), "Solar", 0.25, 100.0, 200.0, 100.0, 300.0, 2, 92, 2 / 92, 100.0),
            ("de", date(2026, 10, 25), "Solar", 0.25, 15.0, 20.0, 10.0, 30.0, 3, 100, 3 / 100, 15.0),
            ("de", date(2026, 10, 27), "Solar", 0.25, None, None, None, None, 0, 96, 0.0, 15.0),
        ],
        GOLD_SCHEMA,
    )
    assert_df_equality(trend(df), expected, ignore_row_order=True, ignore_nullable=True)


def test_local_day_boundary_follows_the_country_time_zone(spark):
    # 22:45Z on 24 Oct is 00:45 CEST on 25 Oct; 21:45Z is still 24 Oct locally.
    df = cdc(spark, "Solar", [(utc(2026, 10, 24, 21, 45), 1.0), (utc(2026, 10, 24, 22, 45), 2.0)])

    rows = {(r.date, r.energy_mwh) for r in trend(df).collect()}

    assert rows == {(date(2026, 10, 24), 0.25), (date(2026, 10, 25), 0.5)}


def test_hourly_series_take_their_spacing_from_the_data(spark):
    points = [(utc(2026, 1, 14, 23, 0) + timedelta(hours=h), 1000.0) for h in range(24)]

    row = trend(cdc(spark, "Nuclear", points)).collect()[0]

    assert (row.interval_h, row.energy_mwh, row.intervals_expected, row.completeness) == (
        1.0,
        24000.0,
        24,
        1.0,
    )


def test_aliases_map_case_insensitively_and_keep_unmapped_names(spark):
    df = spark.createDataFrame(
        [
            ("de", "wind Onshore", utc(2026, 1, 1), 1.0),
            ("de", "Geothermal", utc(2026, 1, 1), 2.0),
            ("de", "SOLAR", utc(2026, 1, 1), None),
        ],
        CDC_SCHEMA,
    )

    mapped = df.transform(with_production_type, {"wind onshore": "Wind onshore", "solar": "Solar"})

    assert sorted(r.production_type for r in mapped.collect()) == ["Geothermal", "Solar", "Wind onshore"]


def test_non_production_series_are_excluded_but_negative_consumption_stays(spark):
    names = [
        "Load",
        "residual load",
        "Cross border electricity trading",
        "Renewable share of load",
        "renewable share of generation",
        "Hydro pumped storage consumption",
        "Solar",
        None,
    ]
    df = spark.createDataFrame([("de", n, utc(2026, 1, 1), -1.0) for n in names], CDC_SCHEMA)

    kept = df.transform(
        filter_production_series,
        ["Load", "Residual load", "Cross border electricity trading"],
        ["^Renewable share"],
    )

    assert sorted(r.production_type for r in kept.collect()) == ["Hydro pumped storage consumption", "Solar"]


def test_7d_average_spans_date_minus_6_to_date_over_present_non_null_rows(spark):
    schema = "country string, production_type string, date date, energy_mwh double"
    rows = [
        ("de", "Solar", date(2026, 10, 1), 10.0),
        ("de", "Solar", date(2026, 10, 3), None),
        ("de", "Solar", date(2026, 10, 7), 30.0),
        ("de", "Solar", date(2026, 10, 8), 50.0),  # 10-01 falls out of its window
        ("de", "Solar", date(2026, 10, 20), None),  # nothing non-null in its window
        ("de", "Wind onshore", date(2026, 10, 7), 1.0),
        ("fr", "Solar", date(2026, 10, 7), 1000.0),
    ]
    df = spark.createDataFrame(rows, schema)

    result = {
        (r.country, r.production_type, r.date): r.energy_mwh_7d_avg
        for r in df.transform(with_energy_7d_avg).collect()
    }

    assert result == {
        ("de", "Solar", date(2026, 10, 1)): 10.0,
        ("de", "Solar", date(2026, 10, 3)): 10.0,
        ("de", "Solar", date(2026, 10, 7)): 20.0,
        ("de", "Solar", date(2026, 10, 8)): 40.0,
        ("de", "Solar", date(2026, 10, 20)): None,
        ("de", "Wind onshore", date(2026, 10, 7)): 1.0,
        ("fr", "Solar", date(2026, 10, 7)): 1000.0,
    }


@pytest.mark.parametrize("name", ["Load", "Renewable share of generation"])
def test_excluded_series_produce_no_gold_rows(spark, name):
    df = cdc(spark, name, quarter_hours(utc(2026, 10, 26, 23, 0), [1.0, 2.0]))

    assert trend(df).count() == 0
