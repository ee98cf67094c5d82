"""`make demo`: run the Energy-Charts slice offline. Starts the local simulator, runs every job of the
registry's energy_charts pipeline in one Spark session (exactly as `make run` does) on the demo date range
from conf/, then prints where the tables are and a short summary of each gold table. Then the IoT segment:
one simulated day of the sensor registry with a few faults, through a private Mosquitto and the collector
into landing/iot, the whole iot_telemetry pipeline in one Spark session, and a summary (landed, staged,
quarantined by reason, 1-minute rows, the worst sensor-hours, the solar KPIs). Ends by writing the
analysts' HTML report and printing its path."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from pyspark.sql import functions as F

from app import report
from common import tables
from common.config import Config, load_config
from common.iot_registry import load_registry
from common.spark import build_spark
from jobs.pipeline import run_pipeline
from jobs.registry import RunArgs, pipeline
from schemas import (
    ALL_TABLES,
    DAILY_PRICE_WIND,
    DAILY_PRODUCTION_TREND,
    DATA_QUALITY_DAILY,
    QUARANTINE_STAGING_IOT_TELEMETRY,
    SENSOR_QUALITY_HOURLY,
    SENSOR_READINGS_1MIN,
    SOLAR_SITE_DAILY,
    STAGING_IOT_TELEMETRY,
    UNDERPERFORMANCE_FEATURES,
)
from simulator.energy_charts import EnergyChartsSimulator
from simulator.iot import Faults
from simulator.iot_landing import LandedRun, land_simulated

ENV = "demo"
PIPELINE = "energy_charts"
IOT_PIPELINE = "iot_telemetry"


def main() -> int:
    config = load_config(ENV)
    country, zone = config.require("demo.country"), config.require("demo.bidding_zone")
    start, end = (
        date.fromisoformat(config.require("demo.start")),
        date.fromisoformat(config.require("demo.end")),
    )
    # Publication edge two days after the range, so every demo day is fully published.
    now = datetime.combine(end + timedelta(days=2), time(12), tzinfo=timezone.utc)
    with EnergyChartsSimulator(now=now).start() as simulator:
        env = {**os.environ, "LAKEHOUSE_ENV": ENV, "ENERGY_CHARTS_BASE_URL": simulator.base_url}
        print(f"Energy-Charts simulator at {simulator.base_url} (publication edge {now:%Y-%m-%d %H:%MZ})")
        print(f"Pipeline {PIPELINE} (jobs/registry.py): {', '.join(job.name for job in pipeline(PIPELINE))}")
        command = ["make", "--no-print-directory", "run", f"ENV={ENV}", f"PIPELINE={PIPELINE}",
                   f"COUNTRY={country}", f"BZN={zone}", f"START={start}", f"END={end}"]  # fmt: skip
        completed = subprocess.run(command, env=env, check=False)
        if completed.returncode != 0:
            print(f"demo: a job failed (exit {completed.returncode}); see the log above", file=sys.stderr)
            return completed.returncode
    print_summary(country, zone, start, end)
    run_iot_segment(load_config(ENV))
    print("\nThe analysts' report of the demo lakehouse (`make app ENV=demo` serves the app):")
    return report.main(["--env", ENV])


def print_summary(country: str, zone: str, start: date, end: date) -> None:
    config = load_config(ENV)
    spark = build_spark("energy-lakehouse demo summary", config)
    print(f"\nTables under {os.path.abspath(config.lakehouse_root)}:")
    for spec in ALL_TABLES:
        path = tables.spec_path(config, spec)
        rows = tables.read_table(spark, config, spec).count()
        print(f"  {spec.full_name:<44} {rows:>9} rows  {os.path.abspath(path)}")

    gold = tables.read_table(spark, config, DAILY_PRODUCTION_TREND).filter(F.col("country") == country)
    print(f"\n{DAILY_PRODUCTION_TREND.full_name}, {country}, {start} … {end}: energy per production type")
    (
        gold.groupBy("production_type")
        .agg(
            F.count("*").alias("days"),
            F.round(F.sum("energy_mwh") / 1000, 1).alias("energy_gwh"),
            F.round(F.avg("avg_mw"), 1).alias("mean_mw"),
            F.round(F.avg("completeness"), 3).alias("completeness"),
        )
        .orderBy(F.col("energy_gwh").desc_nulls_last())
        .show(40, truncate=False)
    )
    print("Days by length (DST days expect 92 or 100 quarter-hours):")
    gold.groupBy("intervals_expected").agg(F.countDistinct("date").alias("days")).orderBy(
        "intervals_expected"
    ).show()

    print(f"{DAILY_PRICE_WIND.full_name}, {zone}: daily price against wind")
    (
        tables.read_table(spark, config, DAILY_PRICE_WIND)
        .filter(F.col("bidding_zone") == zone)
        .select(
            "date",
            F.round("price_avg_eur_mwh", 2).alias("price_avg"),
            F.round("negative_price_hours", 2).alias("neg_h"),
            F.round(F.col("wind_total_mwh") / 1000, 1).alias("wind_gwh"),
            F.round("intraday_corr_price_wind", 3).alias("corr_intraday"),
            F.round("corr_30d_price_wind_onshore", 3).alias("corr_30d_onshore"),
        )
        .orderBy("date")
        .show(40)
    )
    print(f"{UNDERPERFORMANCE_FEATURES.full_name}, {country}: 30-minute intervals per series")
    (
        tables.read_table(spark, config, UNDERPERFORMANCE_FEATURES)
        .filter(F.col("country") == country)
        .groupBy("production_type")
        .agg(
            F.count("*").alias("intervals"),
            F.round(F.avg("capacity_factor"), 3).alias("mean_cf"),
            F.count("expected_cf").alias("with_expected_cf"),
            F.sum(F.col("is_underperforming").cast("int")).alias("underperforming"),
        )
        .orderBy("production_type")
        .show()
    )
    print(f"{DATA_QUALITY_DAILY.full_name}: quality per checked table (README, 'Data quality')")
    (
        tables.read_table(spark, config, DATA_QUALITY_DAILY)
        .select(
            "table",
            "date",
            "rows",
            "quarantined_rows",
            F.round("completeness", 3).alias("completeness"),
            "expectations_evaluated",
            "expectations_failed",
            F.round("quality_score", 3).alias("quality_score"),
        )
        .orderBy("table", "date")
        .show(40, truncate=False)
    )


def run_iot_segment(config: Config) -> None:
    """Land one simulated day of the registry (demo.iot) through a private broker and the collector, run
    the iot_telemetry pipeline in this process (one Spark session) and print what became of it."""
    settings = config.require("demo.iot")
    registry = load_registry(config)
    start, end = (datetime.fromisoformat(settings[k].replace("Z", "+00:00")) for k in ("start", "end"))
    faults = Faults(dict(settings.get("faults") or {}))
    print(f"\nIoT segment: {len(registry.sensors)} sensors of {len(registry.sites)} sites, simulated "
          f"{start:%Y-%m-%d %H:%MZ} … {end:%Y-%m-%d %H:%MZ}, faults {dict(faults.rates)}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="demo-iot-") as workdir:
        landed = land_simulated(
            registry, start.timestamp(), end.timestamp(), lakehouse_root=config.lakehouse_root,
            workdir=Path(workdir), env_name=ENV, seed=int(settings.get("seed", 0)), faults=faults,
        )  # fmt: skip
    landing = os.path.abspath(f"{config.lakehouse_root}/landing/iot")
    lines, files = len(landed.lines()), len(landed.files)
    print(f"Published {landed.published} messages; {lines} lines landed in {files} files under {landing}")
    jobs = [job.name for job in pipeline(IOT_PIPELINE)]
    print(f"Pipeline {IOT_PIPELINE} (jobs/registry.py): {', '.join(jobs)}")
    seconds = run_pipeline(IOT_PIPELINE, RunArgs(pipeline=IOT_PIPELINE, env=ENV))
    took = ", ".join(f"{job} {s:.0f} s" for job, s in seconds.items())
    print(f"  ran in {sum(seconds.values()):.0f} s: {took}")
    print_iot_summary(config, landed, start, end)


def print_iot_summary(config: Config, landed: LandedRun, start: datetime, end: datetime) -> None:
    spark = build_spark("energy-lakehouse demo summary", config)
    # This run's landing files, as the staging job records them (earlier demo runs stay in the tables).
    files = [f"{path.parent.name}/{path.name}" for path in landed.files]
    in_run = F.regexp_extract("source_file", r"(received_date=[^/]+/[^/]+)$", 1).isin(files)
    staged = tables.read_table(spark, config, STAGING_IOT_TELEMETRY).filter(in_run).count()
    quarantine = tables.read_table(spark, config, QUARANTINE_STAGING_IOT_TELEMETRY).filter(in_run)
    quarantined = quarantine.count()
    print(f"\nLanded {len(landed.lines())} lines = {staged} staged + {quarantined} quarantined")
    print(f"{QUARANTINE_STAGING_IOT_TELEMETRY.full_name}: this run's lines by reason")
    quarantine.groupBy("reason").count().orderBy(F.desc("count"), "reason").show(20, truncate=False)

    window = (F.col("minute_utc") >= F.lit(start)) & (F.col("minute_utc") < F.lit(end))
    minutes = tables.read_table(spark, config, SENSOR_READINGS_1MIN).filter(window)
    print(f"{SENSOR_READINGS_1MIN.full_name}: {minutes.count()} rows in the simulated day, per sensor")
    (
        minutes.groupBy("site_id", "sensor_id")
        .agg(
            F.count("*").alias("minutes"),
            F.sum("sample_count").alias("samples"),
            F.round(F.avg("mean_value"), 2).alias("mean"),
            F.round(F.max("max_value"), 2).alias("max"),
        )
        .orderBy("sensor_id")
        .show(40, truncate=False)
    )
    hours = (F.col("hour_utc") >= F.lit(start)) & (F.col("hour_utc") < F.lit(end))
    print(f"{SENSOR_QUALITY_HOURLY.full_name}: the worst sensor-hours by quality score")
    print("  (every reading of a replayed day is received long after its ts, so every hour counts as late)")
    (
        tables.read_table(spark, config, SENSOR_QUALITY_HOURLY)
        .filter(hours)
        .select(
            "sensor_id",
            "hour_utc",
            "expected_samples",
            "received_samples",
            F.round("completeness", 3).alias("completeness"),
            "duplicate_count",
            "out_of_range_count",
            "late_count",
            F.round("quality_score", 3).alias("quality_score"),
        )
        .orderBy("quality_score", "sensor_id", "hour_utc")
        .show(10, truncate=False)
    )
    print(f"{SOLAR_SITE_DAILY.full_name}: the KPIs of the demo sites (README 'Solar plant KPIs')")
    kpis = (
        tables.read_table(spark, config, SOLAR_SITE_DAILY)
        .filter(F.col("date").between(F.lit(start.date()), F.lit(end.date())))
        .orderBy("site_id", "date")
    )
    for row in kpis.collect():
        print(f"  {row.site_id} {row.date}:")
        for name, value in row.asDict().items():
            if name not in ("site_id", "date", "run_id", "computed_at"):
                print(f"    {name:<34} {round(value, 4) if isinstance(value, float) else value}")
    spark.stop()


if __name__ == "__main__":
    sys.exit(main())
