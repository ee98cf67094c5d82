"""The analysts' queries in sql/: each runs with Spark SQL over the small market lakehouse (market
queries) or over inline rows with the columns issues 11 and 12 define (IoT and solar queries), and
returns its documented columns and the values of the gold tables."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pyspark.sql import functions as F

from common import sql, tables
from schemas import ALL_TABLES, DAILY_PRICE_WIND, DAILY_PRODUCTION_TREND, UNDERPERFORMANCE_FEATURES


def test_every_query_documents_its_question_parameters_columns_and_tables():
    names = sql.available_queries()
    assert names == [
        "daily_trend",
        "plant_kpis_vs_fleet",
        "price_vs_wind",
        "sensor_history",
        "underperforming_intervals",
        "worst_sensor_hours",
    ]
    for name in names:
        query = sql.load_query(name)
        assert "?" in query.question and query.defaults and query.tables, name
        text = query.text
        assert "-- Columns:" in text, name
        for parameter in query.defaults:
            assert f":{parameter}" in text.split("-- Tables:")[1], (name, parameter)


def test_sql_names_are_unique_and_gold_tables_keep_their_own_name():
    names = [spec.sql_name for spec in ALL_TABLES]
    assert len(names) == len(set(names))
    assert DAILY_PRICE_WIND.sql_name == "daily_price_wind"
    assert {s.full_name: s.sql_name for s in ALL_TABLES}["cdc/price"] == "cdc_price"


def test_daily_trend_returns_the_gold_energy_in_gwh(spark, market_lakehouse):
    result = sql.run_query(
        spark,
        market_lakehouse,
        "daily_trend",
        {"production_type": "Solar", "start": "2026-10-24", "end": "2026-10-26"},
    )
    assert result.columns == [
        "date",
        "production_type",
        "energy_gwh",
        "energy_gwh_7d_avg",
        "avg_mw",
        "max_mw",
        "completeness",
    ]
    rows = result.collect()
    assert [r.date for r in rows] == [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)]
    gold = (
        tables.read_table(spark, market_lakehouse, DAILY_PRODUCTION_TREND)
        .filter((F.col("production_type") == "Solar") & (F.col("date") == date(2026, 10, 25)))
        .first()
    )
    assert rows[1].energy_gwh == round(gold.energy_mwh / 1000, 3)
    assert rows[1].completeness == 1.0


def test_price_vs_wind_returns_every_local_day_of_the_zone(spark, market_lakehouse):
    rows = sql.run_query(spark, market_lakehouse, "price_vs_wind", {}).collect()
    assert list(rows[0].asDict()) == [
        "date",
        "price_avg_eur_mwh",
        "negative_price_hours",
        "wind_onshore_gwh",
        "wind_offshore_gwh",
        "corr_intraday",
        "corr_30d_onshore",
        "corr_30d_offshore",
    ]
    assert [r.date for r in rows] == [date(2026, 10, d) for d in range(20, 30)]
    gold = tables.read_table(spark, market_lakehouse, DAILY_PRICE_WIND).filter(
        F.col("date") == date(2026, 10, 25)
    )
    assert rows[5].price_avg_eur_mwh == round(gold.first().price_avg_eur_mwh, 2)


def test_underperforming_intervals_are_the_labelled_rows(spark, market_lakehouse):
    result = sql.run_query(spark, market_lakehouse, "underperforming_intervals", {"production_type": "Solar"})
    assert result.columns[:4] == ["interval_start", "local_slot", "day_of_week_local", "production_type"]
    labelled = (
        tables.read_table(spark, market_lakehouse, UNDERPERFORMANCE_FEATURES)
        .filter((F.col("production_type") == "Solar") & F.col("is_underperforming"))
        .orderBy("interval_start")
        .collect()
    )
    rows = result.collect()
    assert [r.interval_start for r in rows] == [r.interval_start for r in labelled]
    for row, gold in zip(rows, labelled, strict=True):
        assert row.local_slot == f"{gold.slot_local // 2:02d}:{(gold.slot_local % 2) * 30:02d}"
        assert row.performance_ratio < 0.5


def test_a_query_over_a_table_not_loaded_yet_names_it(spark, market_lakehouse):
    with pytest.raises(sql.QueryError, match="reads sensor_readings_1min, dim_sensor, not loaded yet"):
        sql.run_query(spark, market_lakehouse, "sensor_history", {"sensor_id": "solar-a-poa-1"})


def test_parameters_are_checked():
    query = sql.load_query("sensor_history")
    with pytest.raises(sql.QueryError, match="needs --sensor_id"):
        query.arguments({})
    with pytest.raises(sql.QueryError, match="has no parameter \\['country'\\]"):
        query.arguments({"sensor_id": "x", "country": "de"})
    assert query.arguments({"sensor_id": "x"}) == {"sensor_id": "x", "start": "", "end": ""}
    assert sql.load_query("worst_sensor_hours").arguments({}) == {"site_id": "", "limit": "20"}


def test_make_sql_prints_a_readable_table(spark, market_lakehouse, monkeypatch, capsys):
    monkeypatch.setenv("LAKEHOUSE_ROOT", market_lakehouse.lakehouse_root)
    assert (
        sql.main(["price_vs_wind", "--bidding-zone", "DE-LU", "--start", "2026-10-25", "--end", "2026-10-25"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("-- Question") is False and "windy days" in out.splitlines()[0]
    assert "|2026-10-25|" in out.replace(" ", "") and "price_avg_eur_mwh" in out
    assert sql.main(["sensor_history", "--sensor-id", "x"]) == 2
    assert "not loaded yet" in capsys.readouterr().err


def iot_views(spark) -> None:
    """Inline rows of the IoT and solar gold tables (columns of issues 11 and 12) as the views
    `make sql` registers once those tables exist."""
    t = datetime
    spark.createDataFrame(
        [
            ("poa-1", t(2026, 10, 25, 10, 0), "solar-a", 800.0, 790.0, 810.0, 6),
            ("poa-1", t(2026, 10, 25, 10, 1), "solar-a", None, None, None, 0),
            ("poa-1", t(2026, 10, 25, 10, 2), "solar-a", 805.5, 805.5, 805.5, 1),
            ("ac-1", t(2026, 10, 25, 10, 0), "solar-a", 40.0, 39.0, 41.0, 6),
        ],
        "sensor_id string, minute_utc timestamp, site_id string, mean_value double, min_value double, "
        "max_value double, sample_count int",
    ).createOrReplaceTempView("sensor_readings_1min")
    spark.createDataFrame(
        [("poa-1", "solar-a", "irradiance_poa", "W/m2"), ("ac-1", "solar-a", "ac_power", "kW")],
        "sensor_id string, site_id string, kind string, unit string",
    ).createOrReplaceTempView("dim_sensor")
    spark.createDataFrame(
        [
            ("poa-1", t(2026, 10, 25, 9), "solar-a", 60, 60, 1.0, 0, 0, 0, 1.0),
            ("poa-1", t(2026, 10, 25, 10), "solar-a", 60, 0, 0.0, 0, 0, 0, 0.0),
            ("ac-1", t(2026, 10, 25, 10), "solar-a", 60, 54, 0.9, 1, 2, 0, 0.72),
            ("w-1", t(2026, 10, 25, 10), "wind-c", 60, 60, 1.0, 0, 0, 3, 0.95),
        ],
        "sensor_id string, hour_utc timestamp, site_id string, expected_samples int, "
        "received_samples int, completeness double, duplicate_count int, out_of_range_count int, "
        "late_count int, quality_score double",
    ).createOrReplaceTempView("sensor_quality_hourly")
    spark.createDataFrame(
        [
            ("solar-a", "Solar Park A", "solar", "Europe/Berlin", "DE-LU", "de"),
            ("solar-b", "Solar Park B", "solar", "Europe/Madrid", None, "es"),
        ],
        "site_id string, name string, kind string, time_zone string, bidding_zone string, country string",
    ).createOrReplaceTempView("dim_site")
    spark.createDataFrame(
        [
            ("solar-a", date(2026, 10, 25), 4200.0, 4.2, 3.8, 4.2 / 3.8, 0.81, 0.97, 55.123),
            ("solar-b", date(2026, 10, 25), 3000.0, 3.0, 4.1, 3.0 / 4.1, 0.79, 1.0, None),
        ],
        "site_id string, date date, ac_energy_kwh double, specific_yield_kwh_kwp double, "
        "fleet_specific_yield_kwh_kwp double, relative_to_fleet double, performance_ratio double, "
        "availability double, capture_price_eur_mwh double",
    ).createOrReplaceTempView("solar_site_daily")
    spark.createDataFrame(
        [("DE-LU", date(2026, 10, 25), 61.456)], "bidding_zone string, date date, price_avg_eur_mwh double"
    ).createOrReplaceTempView("daily_price_wind")


@pytest.fixture
def iot(spark):
    iot_views(spark)
    yield
    for view in (
        "sensor_readings_1min",
        "dim_sensor",
        "sensor_quality_hourly",
        "dim_site",
        "solar_site_daily",
        "daily_price_wind",
    ):
        spark.catalog.dropTempView(view)


def test_sensor_history_is_one_sensors_minutes_with_its_unit(spark, iot):
    result = sql.execute(
        spark, sql.load_query("sensor_history"), {"sensor_id": "poa-1", "end": "2026-10-25 10:02"}
    )
    assert result.columns == [
        "minute_utc",
        "site_id",
        "mean_value",
        "min_value",
        "max_value",
        "unit",
        "sample_count",
    ]
    rows = result.collect()
    assert [(r.minute_utc.minute, r.mean_value, r.unit, r.sample_count) for r in rows] == [
        (0, 800.0, "W/m2", 6),
        (1, None, "W/m2", 0),
    ]


def test_worst_sensor_hours_come_first(spark, iot):
    rows = sql.execute(spark, sql.load_query("worst_sensor_hours"), {"limit": "2"}).collect()
    assert [(r.sensor_id, r.quality_score) for r in rows] == [("poa-1", 0.0), ("ac-1", 0.72)]
    assert list(rows[0].asDict())[:4] == ["sensor_id", "site_id", "hour_utc", "quality_score"]
    rows = sql.execute(spark, sql.load_query("worst_sensor_hours"), {"site_id": "wind-c"}).collect()
    assert [(r.sensor_id, r.late_count) for r in rows] == [("w-1", 3)]


def test_plant_kpis_sit_beside_fleet_and_market_price(spark, iot):
    rows = sql.execute(spark, sql.load_query("plant_kpis_vs_fleet"), {}).collect()
    assert [
        (r.site_id, r.name, r.relative_to_fleet, r.capture_price_eur_mwh, r.price_avg_eur_mwh) for r in rows
    ] == [
        ("solar-a", "Solar Park A", 1.105, 55.12, 61.46),
        ("solar-b", "Solar Park B", 0.732, None, None),
    ]
