"""gold/daily_price_wind transforms on inline cdc rows: the price-resolution switch, nulls, wind
energy, the intraday correlation and the trailing 30-day correlations."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta, timezone

import pytest

from jobs.lib.daily_price_wind import (
    daily_price_stats,
    daily_price_wind,
    daily_wind_energy,
    intraday_correlation,
    quarter_hour_wind,
    with_trailing_correlations,
)

TZ = "Europe/Berlin"
PRICE_SCHEMA = "bidding_zone string, ts_utc timestamp, price_eur_mwh double, interval_minutes int"
POWER_SCHEMA = "country string, production_type string, ts_utc timestamp, value_mw double"
ON, OFF = "Wind onshore", "Wind offshore"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def prices(spark, first: datetime, minutes: int, values: list[float | None]):
    rows = [("DE-LU", first + timedelta(minutes=minutes * i), v, minutes) for i, v in enumerate(values)]
    return spark.createDataFrame(rows, PRICE_SCHEMA)


def power(spark, series: str, first: datetime, values: list[float | None]):
    rows = [("de", series, first + timedelta(minutes=15 * i), v) for i, v in enumerate(values)]
    return spark.createDataFrame(rows, POWER_SCHEMA)


def by_date(df, *columns: str) -> dict:
    return {r.date: tuple(r[c] for c in columns) for r in df.collect()}


STATS = ("price_avg_eur_mwh", "price_min_eur_mwh", "price_max_eur_mwh", "negative_price_hours")


def test_price_stats_weight_by_interval_length_across_the_resolution_switch(spark):
    # 30 Sep 2025 (local) is hourly; 1 Oct 2025 starts at the switch instant and is quarter-hourly.
    hourly = prices(spark, utc(2025, 9, 29, 22), 60, [10.0, -5.0, None])
    quarterly = prices(spark, utc(2025, 9, 30, 22), 15, [20.0, 40.0, -10.0, None])
    only_null = prices(spark, utc(2025, 10, 1, 22), 15, [None, None])
    positive = prices(spark, utc(2025, 10, 2, 22), 15, [1.0])

    result = by_date(daily_price_stats(hourly.union(quarterly).union(only_null).union(positive), TZ), *STATS)

    assert result == {
        date(2025, 9, 30): (2.5, -5.0, 10.0, 1.0),
        date(2025, 10, 1): (pytest.approx(50 / 3, rel=1e-12), -10.0, 40.0, 0.25),
        date(2025, 10, 2): (None, None, None, None),
        date(2025, 10, 3): (1.0, 1.0, 1.0, 0.0),
    }


def test_wind_energy_per_local_day_and_total_over_non_null_ones(spark):
    wind = (
        power(spark, ON, utc(2026, 10, 24, 22), [100.0, 200.0])  # 25 Oct (DST day)
        .union(power(spark, OFF, utc(2026, 10, 24, 22), [None, None]))
        .union(power(spark, ON, utc(2026, 10, 25, 23), [None]))  # 26 Oct: nothing published
        .union(power(spark, OFF, utc(2026, 10, 25, 23), [None]))
        .union(power(spark, OFF, utc(2026, 10, 26, 23), [40.0, 40.0]))  # 27 Oct: offshore only
    )

    result = by_date(
        daily_wind_energy(wind, TZ, ON, OFF, 0.25), "wind_onshore_mwh", "wind_offshore_mwh", "wind_total_mwh"
    )

    assert result == {
        date(2026, 10, 25): (75.0, None, 75.0),
        date(2026, 10, 26): (None, None, None),
        date(2026, 10, 27): (None, 20.0, 20.0),
    }


def test_quarter_hour_wind_total_is_null_when_any_series_is_null(spark):
    wind = power(spark, ON, utc(2026, 1, 1), [1.0, 2.0]).union(
        power(spark, OFF, utc(2026, 1, 1), [10.0, None])
    )

    totals = {r.ts_utc: r.wind_mw for r in quarter_hour_wind(wind).collect()}

    assert totals == {datetime(2026, 1, 1, 0, 0): 11.0, datetime(2026, 1, 1, 0, 15): None}


def test_intraday_correlation_means_quarter_hours_per_hourly_price(spark):
    # Five hourly prices on 15 Jan 2026 (local day starts 23:00Z); wind per quarter-hour.
    price_values = [50.0, 40.0, 45.0, 20.0, None]
    quarter_values = [
        [10.0, 12.0, 14.0, 16.0],  # mean 13
        [20.0, None, 20.0, 20.0],  # null quarter-hour is left out: mean 20
        [15.0, 15.0, 15.0, 15.0],
        [30.0, 34.0, 30.0, 34.0],  # mean 32
        [1.0, 1.0, 1.0, 1.0],  # price is null: no pair
    ]
    first = utc(2026, 1, 14, 23)
    qh = [
        (first + timedelta(minutes=15 * i), v)
        for i, v in enumerate(x for hour in quarter_values for x in hour)
    ]
    wind_qh = spark.createDataFrame(qh, "ts_utc timestamp, wind_mw double")

    result = by_date(
        intraday_correlation(prices(spark, first, 60, price_values), wind_qh, TZ, 4),
        "intraday_corr_price_wind",
    )

    expected = statistics.correlation([50.0, 40.0, 45.0, 20.0], [13.0, 20.0, 15.0, 32.0])
    assert result[date(2026, 1, 15)][0] == pytest.approx(expected, rel=1e-12)


def test_intraday_correlation_after_the_switch_pairs_each_quarter_hour(spark):
    first = utc(2025, 10, 1, 22)
    wind_qh = spark.createDataFrame(
        [(first + timedelta(minutes=15 * i), v) for i, v in enumerate([5.0, 7.0, 6.0, 9.0, 1.0])],
        "ts_utc timestamp, wind_mw double",
    )
    result = by_date(
        intraday_correlation(prices(spark, first, 15, [30.0, 10.0, 20.0, 0.0, 99.0]), wind_qh, TZ, 4),
        "intraday_corr_price_wind",
    )

    expected = statistics.correlation([30.0, 10.0, 20.0, 0.0, 99.0], [5.0, 7.0, 6.0, 9.0, 1.0])
    assert result[date(2025, 10, 2)][0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("price_values", "wind_values"),
    [
        ([1.0, 2.0, 3.0], [1.0, 5.0, 2.0]),  # three pairs only
        ([7.0, 7.0, 7.0, 7.0], [1.0, 5.0, 2.0, 3.0]),  # constant price
        ([1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0]),  # constant wind
        ([1.0, 2.0, 3.0, None, 5.0], [1.0, 5.0, 2.0, 3.0, None]),  # nulls leave three pairs
    ],
)
def test_intraday_correlation_is_null_with_few_pairs_or_zero_variance(spark, price_values, wind_values):
    first = utc(2026, 1, 14, 23)
    wind_qh = spark.createDataFrame(
        [(first + timedelta(hours=i), v) for i, v in enumerate(wind_values)],
        "ts_utc timestamp, wind_mw double",
    )

    result = by_date(
        intraday_correlation(prices(spark, first, 60, price_values), wind_qh, TZ, 4),
        "intraday_corr_price_wind",
    )

    assert result == {date(2026, 1, 15): (None,)}


def test_trailing_correlations_span_30_days_and_need_10_rows(spark):
    start = date(2026, 1, 1)
    rows = []
    for i in range(45):
        if i in (3, 4, 5):  # missing days are simply absent
            continue
        price = 50.0 + (i * 7919 % 13) - 0.5 * i
        onshore = None if i == 20 else 1000.0 + (i * 104729 % 17) * 10
        offshore = 300.0 if i < 35 else 300.0 + i  # constant for the first 35 days
        rows.append(("DE-LU", start + timedelta(days=i), price, onshore, offshore))
    df = spark.createDataFrame(
        rows,
        "bidding_zone string, date date, price_avg_eur_mwh double, wind_onshore_mwh double, "
        "wind_offshore_mwh double",
    )

    result = {r.date: r for r in with_trailing_correlations(df, 30, 10).collect()}

    def expected(day: date, column: int) -> float | None:
        pairs = [
            (r[2], r[column])
            for r in rows
            if day - timedelta(days=29) <= r[1] <= day and r[2] is not None and r[column] is not None
        ]
        if len(pairs) < 10 or len({p for p, _ in pairs}) < 2 or len({w for _, w in pairs}) < 2:
            return None
        return statistics.correlation([p for p, _ in pairs], [w for _, w in pairs])

    for row in rows:
        day = row[1]
        for column, name in ((3, "corr_30d_price_wind_onshore"), (4, "corr_30d_price_wind_offshore")):
            want = expected(day, column)
            got = result[day][name]
            assert (got is None) == (want is None), (day, name, got, want)
            if want is not None:
                assert got == pytest.approx(want, rel=1e-9), (day, name)
    assert result[start + timedelta(days=8)]["corr_30d_price_wind_onshore"] is None  # 6 rows so far
    assert result[start + timedelta(days=44)]["corr_30d_price_wind_offshore"] is not None


def test_daily_price_wind_has_a_row_per_local_day_with_prices(spark):
    price_df = prices(spark, utc(2026, 10, 24, 22), 15, [10.0] * 100)  # the 25-hour day
    power_df = power(spark, ON, utc(2026, 10, 24, 22), [100.0] * 100).union(
        power(spark, "Solar", utc(2026, 10, 24, 22), [1.0] * 100)
    )

    rows = daily_price_wind(
        price_df,
        power_df,
        time_zone=TZ,
        country_time_zone=TZ,
        aliases={},
        onshore=ON,
        offshore=OFF,
        default_interval_h=0.25,
        min_intraday_pairs=4,
        corr_days=30,
        min_corr_rows=10,
    ).collect()

    assert [
        (r.date, r.price_avg_eur_mwh, r.wind_onshore_mwh, r.wind_offshore_mwh, r.wind_total_mwh) for r in rows
    ] == [(date(2026, 10, 25), 10.0, 2500.0, None, 2500.0)]
    assert rows[0].intraday_corr_price_wind is None  # constant price
