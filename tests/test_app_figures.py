"""The app's figure functions and frame helpers on inline pandas data: the values drawn, units and
local days on the axes, the Energy-Charts attribution on market charts. The IoT and solar figures
use the columns issues 11 and 12 define for their gold tables."""

from __future__ import annotations

import math
from datetime import date, datetime, timezone

import pandas as pd
import pytest

from app import figures, frames
from common.series import production_types
from schemas import DAILY_PRICE_WIND, QUARANTINE_STAGING_PUBLIC_POWER

BERLIN = "Europe/Berlin"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def source_of(fig) -> str:
    return fig.layout.title.subtitle.text


def values(trace, axis: str = "y") -> list:
    return [
        None if (v is None or (isinstance(v, float) and math.isnan(v))) else v for v in getattr(trace, axis)
    ]


def test_production_trend_stacks_gwh_per_type_with_the_weekly_mean_of_the_total():
    df = pd.DataFrame(
        {
            "date": [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 24), date(2026, 10, 25)],
            "production_type": ["Solar", "Solar", "Wind onshore", "Wind onshore"],
            "energy_mwh": [100_000.0, None, 300_000.0, 250_000.0],
            "energy_mwh_7d_avg": [90_000.0, 90_000.0, 310_000.0, 280_000.0],
        }
    )
    fig = figures.production_trend(df, "de", BERLIN)
    bars = {t.name: t for t in fig.data if t.type == "bar"}
    assert list(bars) == ["Wind onshore", "Solar"]  # largest total first, at the bottom of the stack
    assert values(bars["Solar"]) == [100.0, None]
    assert values(bars["Wind onshore"]) == [300.0, 250.0]
    weekly = next(t for t in fig.data if t.type == "scatter")
    assert values(weekly) == [400.0, 370.0]
    assert fig.layout.barmode == "relative"
    assert fig.layout.xaxis.title.text == "Local day (Europe/Berlin)"
    assert "GWh" in fig.layout.yaxis.title.text
    assert "Energy-Charts (Fraunhofer ISE), CC BY 4.0" in source_of(fig)


def test_price_vs_wind_plots_days_with_both_values_in_gwh_and_eur_per_mwh():
    df = pd.DataFrame(
        {
            "date": [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)],
            "price_avg_eur_mwh": [80.0, 20.5, None],
            "wind_total_mwh": [150_000.0, 600_000.0, 400_000.0],
            "negative_price_hours": [0.0, 3.25, None],
        }
    )
    fig = figures.price_vs_wind(df, "DE-LU", BERLIN)
    (points,) = fig.data
    assert list(points.x) == [150.0, 600.0]
    assert list(points.y) == [80.0, 20.5]
    assert list(points.customdata) == ["Sat 24 Oct 2026", "Sun 25 Oct 2026"]
    assert "GWh" in fig.layout.xaxis.title.text and "Europe/Berlin" in fig.layout.xaxis.title.text
    assert fig.layout.yaxis.title.text == "Mean day-ahead price (EUR/MWh)"
    assert "CC BY 4.0" in source_of(fig)


def test_price_wind_correlations_keep_missing_days_as_gaps():
    df = pd.DataFrame(
        {
            "date": [date(2026, 10, 25), date(2026, 10, 24)],
            "corr_30d_price_wind_onshore": [-0.5, None],
            "corr_30d_price_wind_offshore": [-0.25, None],
            "intraday_corr_price_wind": [-0.8, 0.1],
        }
    )
    fig = figures.price_wind_correlations(df, "DE-LU", BERLIN)
    by_name = {t.name: t for t in fig.data}
    assert values(by_name["30-day, price vs onshore wind"]) == [None, -0.5]
    assert values(by_name["intraday, price vs wind"]) == [0.1, -0.8]
    assert tuple(fig.layout.yaxis.range) == (-1.05, 1.05)
    assert "CC BY 4.0" in source_of(fig)


def test_intraday_view_on_the_dst_day_sums_wind_only_where_every_series_reports():
    # 2026-10-25: 00:00Z is 02:00 CEST, 01:00Z is 02:00 CET (the repeated hour).
    ts = [utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 15), utc(2026, 10, 25, 1, 0)]
    power = pd.DataFrame(
        {
            "ts_utc": ts * 2 + [utc(2026, 10, 25, 0, 0)],
            "production_type": ["Wind onshore"] * 3 + ["Wind offshore"] * 3 + ["Solar"],
            "value_mw": [1000.0, 2000.0, 3000.0, 500.0, None, 700.0, 9999.0],
        }
    )
    prices = pd.DataFrame({"ts_utc": [ts[0], ts[2]], "price_eur_mwh": [50.0, -5.0]})
    fig = figures.intraday_price_wind(
        prices, power, ["Wind onshore", "Wind offshore"], "DE-LU", "2026-10-25", BERLIN
    )
    wind = next(t for t in fig.data if t.name.startswith("Wind"))
    assert values(wind) == [1.5, None, 3.7]  # GW; the missing offshore value leaves a gap
    assert list(wind.x) == ["02:00 CEST", "02:15 CEST", "02:00 CET"]
    price = next(t for t in fig.data if t.name == "Day-ahead price")
    assert list(price.x) == ["02:00 CEST", "02:00 CET"]
    assert list(price.y) == [50.0, -5.0] and price.line.shape == "hv"
    assert list(fig.layout.xaxis.categoryarray) == ["02:00 CEST", "02:15 CEST", "02:00 CET"]
    assert fig.layout.xaxis.title.text == "Local time on 2026-10-25 (Europe/Berlin)"
    assert fig.layout.yaxis2.title.text == "Wind power (GW)"


def features(rows: list[tuple]) -> pd.DataFrame:
    columns = ["interval_start", "slot_local", "capacity_factor", "expected_cf", "is_underperforming"]
    return pd.DataFrame(rows, columns=columns)


def test_underperformance_heatmap_averages_the_repeated_dst_hour_into_its_local_slots():
    df = features(
        [
            (utc(2026, 10, 25, 0, 0), 4, 0.2, 0.3, False),  # 02:00 CEST
            (utc(2026, 10, 25, 1, 0), 4, 0.4, 0.5, False),  # 02:00 CET, the repeated hour
            (utc(2026, 10, 25, 11, 30), 25, 0.1, 0.6, True),  # 12:30 CET
            (utc(2026, 10, 24, 10, 30), 25, None, None, None),  # 12:30 CEST the day before
        ]
    )
    fig = figures.underperformance_heatmap(df, "Solar", BERLIN)
    actual, expected = fig.data
    assert list(actual.x) == ["2026-10-24", "2026-10-25"]
    assert list(actual.y) == [frames.slot_label(s) for s in range(48)]
    grid = pd.DataFrame(actual.z, index=actual.y, columns=actual.x)
    assert grid.at["02:00", "2026-10-25"] == pytest.approx(0.3)
    assert grid.at["12:30", "2026-10-25"] == pytest.approx(0.1)
    assert math.isnan(grid.at["12:30", "2026-10-24"])
    assert pd.DataFrame(expected.z, index=expected.y, columns=expected.x).at[
        "02:00", "2026-10-25"
    ] == pytest.approx(0.4)
    assert fig.layout.xaxis.title.text == "Local day (Europe/Berlin)"
    assert "CC BY 4.0" in source_of(fig)


def test_underperformance_intervals_mark_only_the_labelled_half_hours():
    df = features(
        [
            (utc(2026, 10, 25, 11, 0), 24, 0.1, 0.6, True),
            (utc(2026, 10, 25, 11, 30), 25, 0.5, 0.6, False),
            (utc(2026, 10, 25, 12, 0), 26, None, 0.6, None),
        ]
    )
    fig = figures.underperformance_intervals(df, "Solar", BERLIN)
    flagged = fig.data[2]
    assert flagged.name == "Underperforming (1 half-hours)"
    assert list(flagged.y) == [0.1]
    # Drawn at the local wall-clock time (Plotly drops the zone): 11:00Z is 12:00 CET.
    assert pd.Timestamp(flagged.x[0]).strftime("%Y-%m-%d %H:%M") == "2026-10-25 12:00"


def test_slot_labels_name_the_local_clock_time():
    assert [frames.slot_label(s) for s in (0, 1, 13, 47)] == ["00:00", "00:30", "06:30", "23:30"]


def test_sensor_series_label_each_sensor_with_its_unit():
    df = pd.DataFrame(
        {
            "sensor_id": ["poa-1", "poa-1", "ac-1"],
            "minute_utc": [utc(2026, 10, 25, 10, 1), utc(2026, 10, 25, 10, 0), utc(2026, 10, 25, 10, 0)],
            "mean_value": [800.0, 790.0, None],
            "min_value": [795.0, 780.0, None],
            "max_value": [805.0, 800.0, None],
        }
    )
    fig = figures.sensor_series(df, {"poa-1": "W/m2", "ac-1": "kW"})
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {"poa-1 (W/m2)", "ac-1 (kW)"}
    assert values(by_name["poa-1 (W/m2)"]) == [790.0, 800.0]  # sorted by minute
    assert fig.layout.yaxis.title.text == "1-minute mean (W/m2, kW)"
    assert fig.layout.xaxis.title.text == "Minute (UTC)"


def test_sensor_quality_heatmap_shows_silent_hours_as_zero():
    df = pd.DataFrame(
        {
            "sensor_id": ["a", "a", "b"],
            "hour_utc": [utc(2026, 10, 25, 10), utc(2026, 10, 25, 11), utc(2026, 10, 25, 10)],
            "quality_score": [1.0, 0.0, 0.75],
        }
    )
    (heat,) = figures.sensor_quality_heatmap(df).data
    grid = pd.DataFrame(heat.z, index=heat.y, columns=heat.x)
    assert grid.loc["a"].tolist() == [1.0, 0.0]
    assert grid.loc["b"].iloc[0] == 0.75 and math.isnan(grid.loc["b"].iloc[1])
    assert (heat.zmin, heat.zmax) == (0, 1)


SOLAR = pd.DataFrame(
    {
        "site_id": ["solar-a", "solar-a", "solar-b"],
        "date": [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 24)],
        "ac_energy_kwh": [4200.0, 900.0, 3000.0],
        "performance_ratio": [0.82, None, 0.79],
        "performance_ratio_temp_corrected": [0.85, None, 0.8],
        "availability": [1.0, 0.4, 1.0],
        "specific_yield_kwh_kwp": [4.2, 0.9, 3.0],
        "fleet_specific_yield_kwh_kwp": [3.9, 1.1, 3.9],
        "capture_price_eur_mwh": [61.5, None, 58.0],
    }
)


def test_solar_daily_kpis_put_energy_above_the_shares():
    fig = figures.solar_daily_kpis(SOLAR.loc[SOLAR["site_id"] == "solar-a"], "solar-a", "Europe/Madrid")
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["AC energy (kWh)"].y) == [4200.0, 900.0]
    assert values(by_name["Performance ratio"]) == [0.82, None]
    assert list(by_name["Availability"].y) == [1.0, 0.4]
    assert fig.layout.xaxis2.title.text == "Local day (Europe/Madrid)"
    assert fig.layout.yaxis.title.text == "AC energy (kWh)"


def test_site_vs_fleet_draws_each_site_beside_its_fleet():
    fig = figures.solar_site_vs_fleet(SOLAR)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["solar-a"].y) == [4.2, 0.9]
    assert list(by_name["solar-a: national fleet"].y) == [3.9, 1.1]
    assert fig.layout.yaxis.title.text == "Specific yield (kWh/kWp)"
    assert "CC BY 4.0" in source_of(fig)


def test_capture_price_beside_the_days_mean_price_leaves_days_without_a_price_empty():
    prices = pd.DataFrame({"date": [date(2026, 10, 24)], "price_avg_eur_mwh": [70.25]})
    fig = figures.capture_vs_average_price(
        SOLAR.loc[SOLAR["site_id"] == "solar-a"], prices, "solar-a", "DE-LU"
    )
    capture, mean = fig.data
    assert values(capture) == [61.5, None]
    assert values(mean) == [70.25, None]
    assert fig.layout.yaxis.title.text == "EUR/MWh"


def test_quality_scores_per_table_and_day():
    df = pd.DataFrame(
        {
            "table": ["staging/price", "staging/public_power", "staging/public_power"],
            "date": [date(2026, 11, 27), date(2026, 11, 27), date(2026, 11, 28)],
            "quality_score": [1.0, 0.9995, 0.8],
        }
    )
    (heat,) = figures.quality_scores(df).data
    grid = pd.DataFrame(heat.z, index=heat.y, columns=heat.x)
    assert grid.at["staging/public_power", "2026-11-28"] == 0.8
    assert math.isnan(grid.at["staging/price", "2026-11-28"])
    assert list(heat.y) == ["staging/public_power", "staging/price"]


def test_quarantine_counts_every_reason_of_a_row_and_chart_them():
    quarantines = {
        QUARANTINE_STAGING_PUBLIC_POWER.full_name: pd.DataFrame(
            {"reason": ["value_in_range; on_grid", "value_in_range", None]}
        ),
        "quality/quarantine_staging_price": pd.DataFrame({"reason": ["price_in_range"]}),
    }
    counts = frames.quarantine_reason_counts(quarantines)
    assert counts.values.tolist() == [
        ["quality/quarantine_staging_public_power", "value_in_range", 2],
        ["quality/quarantine_staging_price", "price_in_range", 1],
        ["quality/quarantine_staging_public_power", "on_grid", 1],
    ]
    fig = figures.quarantine_by_reason(counts)
    assert {t.name: list(t.x) for t in fig.data} == {
        "quality/quarantine_staging_price": [1],
        "quality/quarantine_staging_public_power": [2, 1],
    }
    assert frames.quarantine_reason_counts({}).empty


def test_latest_failed_expectations_are_those_of_each_tables_latest_run():
    t1, t2 = utc(2026, 11, 27, 6), utc(2026, 11, 28, 6)
    results = pd.DataFrame(
        {
            "table": ["staging/price", "staging/price", "staging/price", "cdc/price"],
            "expectation": ["in_range", "in_range", "unique_key", "gaps"],
            "severity": ["error", "error", "error", "warning"],
            "success": [False, True, False, False],
            "unexpected_count": [3, 0, 2, 1],
            "element_count": [96, 96, 96, 96],
            "evaluated_at": [t1, t2, t2, t1],
            "job": ["staging.price"] * 3 + ["cdc.price"],
            "run_id": ["r1", "r2", "r2", "r0"],
            "unexpected_sample": [None, None, "[1]", "[2]"],
        }
    )
    failed = frames.latest_failed_expectations(results)
    assert failed[["table", "expectation", "run_id"]].values.tolist() == [
        ["staging/price", "unique_key", "r2"],
        ["cdc/price", "gaps", "r0"],
    ]


def test_catalogue_lists_columns_with_their_schema_comments():
    listing = frames.catalogue_tables([DAILY_PRICE_WIND], {"gold/daily_price_wind": 3})
    assert listing.to_dict("records")[0] | {"description": ""} == {
        "table": "gold/daily_price_wind",
        "layer": "gold",
        "key": "bidding_zone, date",
        "partitioned by": "bidding_zone",
        "change data feed": False,
        "description": "",
        "version": 3,
    }
    columns = frames.catalogue_columns(DAILY_PRICE_WIND).set_index("column")
    assert columns.at["price_avg_eur_mwh", "type"] == "double"
    assert columns.at["price_avg_eur_mwh", "unit"] == "EUR/MWh" and columns.at["date", "unit"] == ""
    assert columns.at["price_avg_eur_mwh", "description"] == DAILY_PRICE_WIND.comment_of("price_avg_eur_mwh")
    assert columns.at["date", "key"] and not columns.at["date", "nullable"]


def test_series_names_map_to_production_types_as_the_gold_jobs_map_them():
    # The rule with_production_type applies in Spark (tests/test_daily_production_trend.py), without Spark.
    aliases = {"wind onshore": "Wind onshore", "Solar": "Solar"}
    assert production_types(["wind Onshore", "Geothermal", "SOLAR"], aliases) == [
        "Wind onshore",
        "Geothermal",
        "Solar",
    ]
    assert production_types(["Wind offshore"], None) == ["Wind offshore"]
