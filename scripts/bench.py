"""`make bench`: the Energy-Charts chain at two history sizes, against the local simulator (German
public power, price and installed power), in one `local[2]` Spark session unless said otherwise.

For each size (1 and 10 years; `QUICK=1`: 30 days and 1 year), up to 31 Oct 2026 (day D):
  backfill   the whole range, every job once (jobs/pipeline.py's runner);
  daily      one new day, D+1, with the 7-day look-back a daily run fetches, after the simulator
             revised its values (the production default window);
and at the larger size, each from a copy of the lakehouse as the backfill left it:
  floor      the daily run again: the API has nothing new (the same values are fetched again);
  bare       each job only opens its input and output tables and writes its run record;
  naive      the daily run with every gold table fully recomputed and every merge unpruned;
  make run   the daily run through `make run` (a cold spark-submit), timed from outside;
  optimized  jobs/maintenance/optimize.py, then the daily run.

Per job it also times the quality gate, the run-log records and the gold offsets (the fixed costs
the issue asks to locate). Writes bench/results.json and BENCHMARKS.md (BENCH_OUT to put them
elsewhere); the lakehouses stay in .bench/ for a look afterwards.

    make bench            # ~30 minutes on 2 cores
    make bench QUICK=1    # a smoke run, ~15 minutes
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from common import cdc, incremental, quality, runs, tables
from common.config import load_config
from common.spark import build_spark
from jobs.pipeline import run_pipeline
from jobs.registry import RunArgs, pipeline
from schemas import CDC_PUBLIC_POWER, JOB_RUNS
from simulator.energy_charts import EnergyChartsSimulator

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / ".bench"
PIPELINE = "energy_charts"
JOBS = pipeline(PIPELINE)
COUNTRY, ZONE = "de", "DE-LU"
LAST_DAY = date(2026, 10, 31)  # D: the backfill's last day; the daily run brings D+1
LOOKBACK_DAYS = 7

# The targets (issue 14), checked in BENCHMARKS.md.
TARGETS = {
    "floor_vs_bare": 2.0,  # floor_10y_s <= 2 x bare_10y_s
    "job_10y_vs_1y": 1.25,  # every job's daily at 10 years <= 1.25 x its own at 1 year
    "naive_vs_daily": 5.0,  # naive_10y_s >= 5 x daily_10y_s
    "make_run_vs_session": 1.5,  # daily_make_run_s <= 1.5 x daily_one_session_s
    "daily_s": 45.0,  # daily_one_session_s <= 45
    "backfill_10y_s": 180.0,  # backfill_10y_s <= 180 (>= 40 000 public-power rows/s)
}


class Costs:
    """Seconds per job spent in the named fixed-cost steps, by wrapping them where the jobs call them
    (module attributes, so the jobs' own code runs unchanged)."""

    def __init__(self) -> None:
        self.job = "?"
        self.seconds: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        steps = {
            "gate": (quality, "gate"),
            "run_log": (runs, "_write_record"),
            "offsets": (incremental, "save_offsets"),
        }
        for step, (module, name) in steps.items():
            setattr(module, name, self._timed(step, getattr(module, name)))

    def _timed(self, step: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[self.job][step] += time.perf_counter() - began

        return timed

    @contextmanager
    def phase(self) -> Iterator[dict[str, dict[str, float]]]:
        self.seconds.clear()
        yield self.seconds


@contextmanager
def unpruned_merges() -> Iterator[None]:
    """The naive baseline's merges: every cdc and gold merge matches on the keys over the whole table."""
    saved = tables.merge_predicate, cdc.merge_predicate
    tables.merge_predicate = cdc.merge_predicate = lambda df, spec, alias="t": "true"
    try:
        yield
    finally:
        tables.merge_predicate, cdc.merge_predicate = saved


def use_lakehouse(path: Path) -> None:
    os.environ["LAKEHOUSE_ROOT"] = str(path)


def copy_lakehouse(source: Path, name: str) -> Path:
    """A fresh copy at a new path (Delta caches a table's log by path, so never reuse one)."""
    target = WORK / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    return target


def run_args(start: date, end: date, full_refresh: bool = False) -> RunArgs:
    return RunArgs(PIPELINE, COUNTRY, ZONE, start.isoformat(), end.isoformat(), full_refresh=full_refresh)


def chain(costs: Costs, args: RunArgs) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """The pipeline in this session: seconds per job and the fixed-cost steps per job."""
    with costs.phase() as steps:
        seconds: dict[str, float] = {}
        for entry in JOBS:
            costs.job = entry.name
            seconds.update(run_pipeline(PIPELINE, args, only={entry.name}))
        return seconds, {job: {k: round(v, 2) for k, v in s.items()} for job, s in steps.items()}


def bare_chain(args: RunArgs) -> dict[str, float]:
    """The physical floor: each job's run frame (config, session, run record) and the opening of its
    input and output tables (their Delta snapshot and schema), nothing else."""
    seconds: dict[str, float] = {}
    for entry in JOBS:
        began = time.perf_counter()
        job_args = entry.parse_args(args.job_argv(entry), "bare")
        with runs.job_run(entry.name, job_args) as run:
            for spec in (*entry.reads, *entry.writes):
                tables.read_table(run.spark, run.config, spec).schema  # noqa: B018 - opens the snapshot
        seconds[entry.name] = round(time.perf_counter() - began, 3)
    return seconds


def rows_written(spark, config, before: set[str]) -> dict[str, int]:
    """Rows inserted plus updated per job by the runs recorded since `before` (run ids)."""
    written: dict[str, int] = defaultdict(int)
    for r in tables.read_table(spark, config, JOB_RUNS).collect():
        if r.run_id not in before:
            written[r.job] += (r.rows_inserted or 0) + (r.rows_updated or 0)
    return dict(written)


def run_ids(spark, config) -> set[str]:
    return {r.run_id for r in tables.read_table(spark, config, JOB_RUNS).select("run_id").collect()}


def make_run(args: RunArgs, lakehouse: Path, base_url: str) -> float:
    """The daily run through `make run`, cold: spark-submit, package resolution, imports, the chain."""
    command = [
        "make", "--no-print-directory", "run", "ENV=demo", f"COUNTRY={args.country}",
        f"BZN={args.bidding_zone}", f"START={args.start}", f"END={args.end}",
    ]  # fmt: skip
    env = os.environ | {"LAKEHOUSE_ROOT": str(lakehouse), "ENERGY_CHARTS_BASE_URL": base_url}
    began = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=env, check=True, stdin=subprocess.DEVNULL)
    return round(time.perf_counter() - began, 1)


def total(seconds: dict[str, float]) -> float:
    return round(sum(seconds.values()), 1)


def measure_size(label: str, days: int, costs: Costs, spark, sim) -> dict[str, Any]:
    """Backfill `days` days into a new lakehouse, keep a copy, then the daily run on it."""
    start = LAST_DAY - timedelta(days=days - 1)
    lakehouse = WORK / f"lakehouse-{label}"
    shutil.rmtree(lakehouse, ignore_errors=True)
    use_lakehouse(lakehouse)
    config = load_config()
    sim.revision = 0
    print(f"\n== {label}: backfill {start} … {LAST_DAY}", flush=True)
    backfill, backfill_steps = chain(costs, run_args(start, LAST_DAY))
    written = rows_written(spark, config, set())
    public_power_rows = tables.read_table(spark, config, CDC_PUBLIC_POWER).count()
    snapshot = copy_lakehouse(lakehouse, f"lakehouse-{label}-backfilled")
    print(f"== {label}: daily run {DAILY_START} … {NEW_DAY} (revised values)", flush=True)
    sim.revision = 1
    before = run_ids(spark, config)
    daily, daily_steps = chain(costs, DAILY)
    return {
        "days": days,
        "range": [start.isoformat(), LAST_DAY.isoformat()],
        "lakehouse": lakehouse,
        "snapshot": snapshot,
        "public_power_rows": public_power_rows,
        "backfill_s": backfill,
        "backfill_rows": written,
        "backfill_steps": backfill_steps,
        "daily_s": daily,
        "daily_rows": rows_written(spark, config, before),
        "daily_steps": daily_steps,
    }


NEW_DAY = LAST_DAY + timedelta(days=1)
DAILY_START = NEW_DAY - timedelta(days=LOOKBACK_DAYS)
DAILY = run_args(DAILY_START, NEW_DAY)


def main() -> int:
    quick = os.environ.get("QUICK", "") not in ("", "0")
    sizes = (("30d", 30), ("1y", 365)) if quick else (("1y", 365), ("10y", 3650))
    out = Path(os.environ.get("BENCH_OUT", REPO))
    WORK.mkdir(exist_ok=True)
    os.environ["LAKEHOUSE_ENV"] = "demo"
    began = time.perf_counter()
    now = datetime.combine(NEW_DAY + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
    costs = Costs()
    with EnergyChartsSimulator(now=now).start() as sim:
        os.environ["ENERGY_CHARTS_BASE_URL"] = sim.base_url
        spark = build_spark("energy-lakehouse bench", load_config())
        small = measure_size(sizes[0][0], sizes[0][1], costs, spark, sim)
        big = measure_size(sizes[1][0], sizes[1][1], costs, spark, sim)
        sim.revision = 1  # every later run is "the same daily run" against a copy of the backfill

        print("== floor: the daily run again, nothing new", flush=True)
        floor, floor_steps = chain(costs, DAILY)
        print("== bare: open the tables, write the run record", flush=True)
        bare = bare_chain(DAILY)

        print("== naive: gold fully recomputed, merges unpruned", flush=True)
        use_lakehouse(copy_lakehouse(big["snapshot"], "lakehouse-naive"))
        with unpruned_merges():
            naive, naive_steps = chain(costs, run_args(DAILY_START, NEW_DAY, full_refresh=True))

        print("== optimized: maintenance, then the daily run", flush=True)
        use_lakehouse(copy_lakehouse(big["snapshot"], "lakehouse-optimized"))
        optimize = run_pipeline("maintenance", RunArgs("maintenance"))
        optimized, _ = chain(costs, DAILY)

        print("== make run: the daily run, cold (spark-submit)", flush=True)
        make_run_s = make_run(DAILY, copy_lakehouse(big["snapshot"], "lakehouse-make-run"), sim.base_url)
        versions = {
            "python": platform.python_version(),
            "spark": spark.version,
            "delta-spark": metadata.version("delta-spark"),
            "great-expectations": metadata.version("great-expectations"),
            "java": java_version(),
        }
        spark.stop()

    results = {
        "backfill_10y_s": total(big["backfill_s"]),
        "daily_1y_s": total(small["daily_s"]),
        "daily_10y_s": total(big["daily_s"]),
        "floor_10y_s": total(floor),
        "bare_10y_s": total(bare),
        "naive_10y_s": total(naive),
        "daily_one_session_s": total(big["daily_s"]),
        "daily_make_run_s": make_run_s,
        "daily_1y_per_job_s": small["daily_s"],
        "daily_10y_per_job_s": big["daily_s"],
        "backfill_10y_rows_per_s": round(big["public_power_rows"] / total(big["backfill_s"])),
        "daily_10y_optimized_s": total(optimized),
        "optimize_10y_s": total(optimize),
        "quick": quick,
        "sizes": {label: days for label, days in sizes},
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions,
        "command": "make bench QUICK=1" if quick else "make bench",
        "wall_s": round(time.perf_counter() - began, 1),
        "detail": {
            label: {k: v for k, v in size.items() if k not in ("lakehouse", "snapshot")}
            for label, size in (("small", small), ("big", big))
        }
        | {
            "floor_per_job_s": floor,
            "floor_steps": floor_steps,
            "bare_per_job_s": bare,
            "naive_per_job_s": naive,
            "naive_steps": naive_steps,
            "optimized_per_job_s": optimized,
        },
    }
    (out / "bench").mkdir(parents=True, exist_ok=True)
    (out / "bench" / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (out / "BENCHMARKS.md").write_text(report(results))
    print(f"\nwrote {out / 'bench' / 'results.json'} and {out / 'BENCHMARKS.md'}")
    return 0


def java_version() -> str:
    found = subprocess.run(["java", "-version"], capture_output=True, text=True)
    return (found.stderr or found.stdout).splitlines()[0] if found.returncode == 0 else "?"


def machine() -> str:
    cpu = platform.processor() or "?"
    if Path("/proc/cpuinfo").exists():
        names = [line for line in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line]
        cpu = names[0].split(":", 1)[1].strip() if names else cpu
    memory = ""
    if Path("/proc/meminfo").exists():
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    return f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores{memory}, Spark local[2]"


def yes(met: bool) -> str:
    return "yes" if met else "**no**"


def report(r: dict[str, Any]) -> str:
    """BENCHMARKS.md: the figures of one run, the targets, and the analysis kept in bench/analysis.md."""
    d = r["detail"]
    small, big = (f"{label}" for label in r["sizes"])
    session = r["daily_one_session_s"]
    checks = [  # (target, measured, bound, at most: True / at least: False)
        ("floor ≤ 2 × bare", r["floor_10y_s"], TARGETS["floor_vs_bare"] * r["bare_10y_s"], True),
        ("naive ≥ 5 × daily (10 y)", r["naive_10y_s"], TARGETS["naive_vs_daily"] * r["daily_10y_s"], False),
        ("make run ≤ 1.5 × session", r["daily_make_run_s"], TARGETS["make_run_vs_session"] * session, True),
        ("daily one-session run ≤ 45 s", session, TARGETS["daily_s"], True),
        ("10-year backfill ≤ 180 s", r["backfill_10y_s"], TARGETS["backfill_10y_s"], True),
    ]
    summary = (
        "backfill_10y_s", "daily_1y_s", "daily_10y_s", "floor_10y_s", "bare_10y_s", "naive_10y_s",
        "daily_one_session_s", "daily_make_run_s", "daily_10y_optimized_s", "optimize_10y_s",
    )  # fmt: skip
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `{r['command']}` (scripts/bench.py) on {r['measured_at']}; the run took "
        f"{r['wall_s'] / 60:.0f} minutes. Machine: {r['machine']}. Versions: "
        + ", ".join(f"{k} {v}" for k, v in r["versions"].items())
        + ". Raw figures: bench/results.json.",
        "",
        f"Synthetic German history from the simulator (all public-power series, price, installed power) "
        f"at {small} and {big}, ending {LAST_DAY}; the daily run brings {NEW_DAY} with the "
        f"{LOOKBACK_DAYS}-day look-back after the simulator revised its values.",
        "",
    ]
    if r["quick"]:
        lines += ["**A smoke run (`QUICK=1`): the sizes are 30 days and 1 year, not 1 and 10 years.**", ""]
    lines += [
        "## Summary (seconds)",
        "",
        "| figure | seconds |",
        "|---|---:|",
        *(f"| `{key}` | {r[key]} |" for key in summary),
        f"| public-power rows/s, {big} backfill | {r['backfill_10y_rows_per_s']:,} |",
        "",
        "## Targets",
        "",
        "| target | measured | bound | met |",
        "|---|---:|---:|---|",
        *(
            f"| {name} | {value:.1f} | {'≤' if at_most else '≥'} {bound:.1f} | "
            f"{yes(value <= bound if at_most else value >= bound)} |"
            for name, value, bound, at_most in checks
        ),
        "",
        "## Per job (seconds; rows = rows inserted plus updated)",
        "",
        f"| job | backfill {small} | rows | backfill {big} | rows | rows/s | daily {small} | daily {big} | "
        f"{big}/{small} ≤ 1.25 | floor | bare | naive | optimized |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for job in r["daily_10y_per_job_s"]:
        b_rows = d["big"]["backfill_rows"].get(job, 0)
        b_s = d["big"]["backfill_s"][job]
        daily_small, daily_big = r["daily_1y_per_job_s"][job], r["daily_10y_per_job_s"][job]
        ratio = daily_big / daily_small
        cells = [
            f"{d['small']['backfill_s'][job]:.1f}",
            f"{d['small']['backfill_rows'].get(job, 0):,}",
            f"{b_s:.1f}",
            f"{b_rows:,}",
            f"{b_rows / b_s:,.0f}",
            f"{daily_small:.1f}",
            f"{daily_big:.1f}",
            f"{ratio:.2f} {yes(ratio <= TARGETS['job_10y_vs_1y'])}",
            *(f"{d[k][job]:.1f}" for k in ("floor_per_job_s", "bare_per_job_s", "naive_per_job_s")),
            f"{d['optimized_per_job_s'][job]:.1f}",
        ]
        lines.append(f"| {job} | {' | '.join(cells)} |")
    lines += [
        "",
        f"## Where a daily run's time goes ({big}, seconds per job)",
        "",
        "The quality gate (schema check, Great Expectations suite, evidence commits), the run-log records "
        "(`ops/job_runs`, two commits) and the gold jobs' change-feed offsets, timed around the functions "
        "the jobs call; the rest is the job's own reading, transforming and writing.",
        "",
        "| job | daily | gate | run log | offsets | rest | floor | gate (floor) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for job, seconds in r["daily_10y_per_job_s"].items():
        steps = d["big"]["daily_steps"].get(job, {})
        floor_steps = d["floor_steps"].get(job, {})
        fixed = sum(steps.values())
        lines.append(
            f"| {job} | {seconds:.1f} | {steps.get('gate', 0):.1f} | {steps.get('run_log', 0):.1f} | "
            f"{steps.get('offsets', 0):.1f} | {seconds - fixed:.1f} | {d['floor_per_job_s'][job]:.1f} | "
            f"{floor_steps.get('gate', 0):.1f} |"
        )
    analysis = REPO / "bench" / "analysis.md"
    if analysis.exists():
        lines += ["", analysis.read_text().rstrip()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
