"""`make demo`: run the Energy-Charts slice offline. Starts the local simulator, runs every job of the
registry's energy_charts pipeline in one Spark session (exactly as `make run` does) on the demo date range
from conf/, then prints where the tables are and a short summary of each gold table, and ends by writing
the analysts' HTML report and printing its path."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone

from pyspark.sql import functions as F

from app import report
from common import tables
from common.config import load_config
from common.spark import build_spark
from jobs.registry import pipeline
from schemas import (
    ALL_TABLES,
    DAILY_PRICE_WIND,
    DAILY_PRODUCTION_TREND,
    DATA_QUALITY_DAILY,
    UNDERPERFORMANCE_FEATURES,
)
from simulator.energy_charts import EnergyChartsSimulator

ENV = "demo"
PIPELINE = "energy_charts"


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
    spark.stop()


if __name__ == "__main__":
    sys.exit(main())
