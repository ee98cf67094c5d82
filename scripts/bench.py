"""`make bench`: time every job against the local simulator, for a backfill of BENCH_DAYS local days
and then for a daily incremental run (the last day plus the 7-day look-back) on top of it, in one
Spark session (`local[2]`). Prints a table and writes .bench/results.json.

    make bench BENCH_DAYS=365
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from common import tables
from common.config import load_config
from common.spark import build_spark
from jobs.registry import pipeline
from schemas import CDC_PUBLIC_POWER, DAILY_PRODUCTION_TREND, UNDERPERFORMANCE_FEATURES
from simulator.energy_charts import EnergyChartsSimulator

OUT = Path(".bench")
JOBS = pipeline("energy_charts")


def run_all(start: date, end: date) -> dict[str, float]:
    seconds = {}
    for job in JOBS:
        argv = job.argv(country="de", bidding_zone="DE-LU", start=start.isoformat(), end=end.isoformat())
        began = time.perf_counter()
        job.main(argv)
        seconds[job.name] = round(time.perf_counter() - began, 1)
    return seconds


def main() -> int:
    days = int(os.environ.get("BENCH_DAYS", "90"))
    end = date(2026, 10, 31)
    start = end - timedelta(days=days - 1)
    shutil.rmtree(OUT / "lakehouse", ignore_errors=True)
    os.environ.update({"LAKEHOUSE_ENV": "demo", "LAKEHOUSE_ROOT": str((OUT / "lakehouse").resolve())})
    now = datetime.combine(end + timedelta(days=2), datetime.min.time(), tzinfo=timezone.utc)
    with EnergyChartsSimulator(now=now).start() as simulator:
        os.environ["ENERGY_CHARTS_BASE_URL"] = simulator.base_url
        config = load_config()
        spark = build_spark("energy-lakehouse bench", config)
        backfill = run_all(start, end)
        simulator.revision = 1  # the daily run finds revised values, as in production
        daily = run_all(end - timedelta(days=7), end)
    rows = {
        spec.full_name: tables.read_table(spark, config, spec).count()
        for spec in (CDC_PUBLIC_POWER, DAILY_PRODUCTION_TREND, UNDERPERFORMANCE_FEATURES)
    }
    result = {
        "days": days,
        "range": [start.isoformat(), end.isoformat()],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Spark {spark.version} local[2]",
        "rows": rows,
        "backfill_s": backfill,
        "daily_incremental_s": daily,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(result, indent=2))
    print(f"\n{days} local days ({start} … {end}); {result['machine']}; rows: {rows}")
    print(f"{'job':<40}{'backfill s':>12}{'daily s':>10}")
    for name in (job.name for job in JOBS):
        print(f"{name:<40}{backfill[name]:>12}{daily[name]:>10}")
    print(f"{'total':<40}{sum(backfill.values()):>12.1f}{sum(daily.values()):>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
