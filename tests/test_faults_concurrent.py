"""Two runs of the public-power chain (staging → cdc → daily_production_trend) at once, each in a process
of its own (two JVMs) over one lakehouse: two countries both succeed, one country twice ends as after one
run. A write that loses a race with the other run is re-run (common.tables.retry_conflicts)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from common import tables
from common.config import Config, load_config
from jobs.pipeline import run_pipeline
from jobs.registry import RunArgs
from schemas import CDC_PUBLIC_POWER, CDF_OFFSETS, DAILY_PRODUCTION_TREND, JOB_RUNS
from simulator.energy_charts import EnergyChartsSimulator
from tests.sim_fixtures import SIM_NOW

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[1]
JOBS = ("staging.public_power", "cdc.public_power", "transform.daily_production_trend")
DAY = "2026-10-25"  # one local day, 25 hours long
ZONES = {"de": "DE-LU", "fr": "FR"}
COMPARED = (CDC_PUBLIC_POWER, DAILY_PRODUCTION_TREND)
# Audit columns: when and by which run a row was fetched or computed, different in every run.
AUDIT = ("fetched_at", "first_seen_at", "updated_at", "run_id", "computed_at")


@dataclass
class Run:
    country: str
    process: subprocess.Popen
    log: Path

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Outcome:
    baseline: dict[str, dict[str, dict]]  # country -> table -> rows by key, of one run alone
    roots: dict[str, Path]  # scenario -> lakehouse root
    runs: dict[str, list[Run]]  # scenario -> its two runs, ended


def start_run(root: Path, country: str, base_url: str, log: Path) -> Run:
    command = [
        sys.executable, "-m", "jobs.pipeline", "--only", ",".join(JOBS), "--env", "test",
        "--country", country, "--bidding-zone", ZONES[country], "--start", DAY, "--end", DAY,
    ]  # fmt: skip
    env = os.environ | {
        "LAKEHOUSE_ROOT": str(root),
        "ENERGY_CHARTS_BASE_URL": base_url,
        "PYTHONPATH": str(REPO),
    }
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Run(country, process, log)


def config_at(root: Path) -> Config:
    return load_config("test", environ={"LAKEHOUSE_ROOT": str(root)})


def rows(spark, root: Path, spec, country: str) -> dict[tuple, dict]:
    """The country's rows by key, without the audit columns."""
    df = tables.read_table(spark, config_at(root), spec).filter(F.col("country") == country).drop(*AUDIT)
    return {tuple(r[k] for k in spec.keys): r.asDict() for r in df.collect()}


def assert_same_rows(got: dict[tuple, dict], want: dict[tuple, dict], what: str) -> None:
    assert got.keys() == want.keys(), what
    for key, row in want.items():
        for column, value in row.items():
            # Sums recomputed in another order: equal within 1e-9 relative.
            expected = pytest.approx(value, rel=1e-9) if isinstance(value, float) else value
            assert got[key][column] == expected, (what, key, column)


@pytest.fixture(scope="module")
def outcome(spark, tmp_path_factory) -> Iterator[Outcome]:
    """Both scenarios' runs, started at once (four processes, two lakehouses), and meanwhile one run
    of each country alone in this process: the baseline."""
    base = tmp_path_factory.mktemp("concurrent")
    roots = {"countries": base / "countries", "same": base / "same"}
    scenarios = {"countries": ("de", "fr"), "same": ("de", "de")}
    with EnergyChartsSimulator(now=SIM_NOW) as simulator, pytest.MonkeyPatch.context() as patch:
        runs = {
            name: [
                start_run(roots[name], c, simulator.base_url, base / f"{name}-{i}-{c}.log")
                for i, c in enumerate(countries)
            ]
            for name, countries in scenarios.items()
        }
        try:
            patch.setenv("LAKEHOUSE_ROOT", str(base / "baseline"))
            patch.setenv("ENERGY_CHARTS_BASE_URL", simulator.base_url)
            for country in ZONES:
                args = RunArgs("energy_charts", country, ZONES[country], DAY, DAY, env="test")
                run_pipeline("energy_charts", args, only=JOBS)
            baseline = {c: {s.name: rows(spark, base / "baseline", s, c) for s in COMPARED} for c in ZONES}
            for run in (r for pair in runs.values() for r in pair):
                run.process.wait(timeout=900)  # generous: a loaded 2-core machine runs four JVMs slowly
        finally:
            for run in (r for pair in runs.values() for r in pair):
                if run.process.poll() is None:
                    run.process.kill()
    yield Outcome(baseline, roots, runs)


def assert_succeeded(runs: list[Run]) -> None:
    for run in runs:
        assert run.process.returncode == 0, f"run of {run.country} failed:\n{run.output[-4000:]}"


def test_two_countries_at_once_both_succeed_and_each_equals_its_run_alone(spark, outcome):
    runs, root = outcome.runs["countries"], outcome.roots["countries"]

    assert_succeeded(runs)
    for country in ZONES:
        for spec in COMPARED:
            got = rows(spark, root, spec, country)
            assert_same_rows(got, outcome.baseline[country][spec.name], f"{spec.full_name} {country}")
    assert_logs_hold_each_run_once(spark, root, countries=ZONES)


def test_one_country_twice_at_once_ends_as_after_one_run(spark, outcome):
    runs, root = outcome.runs["same"], outcome.roots["same"]

    assert_succeeded(runs)
    for spec in COMPARED:
        assert_same_rows(rows(spark, root, spec, "de"), outcome.baseline["de"][spec.name], spec.full_name)
    assert_logs_hold_each_run_once(spark, root, countries=["de"])


def assert_logs_hold_each_run_once(spark, root: Path, countries) -> None:
    """A retried write adds nothing twice: one succeeded record per job run, one offset per scope."""
    config = config_at(root)
    statuses = Counter(r.status for r in tables.read_table(spark, config, JOB_RUNS).collect())
    assert statuses == {"succeeded": 2 * len(JOBS)}
    offsets = Counter(r.scope for r in tables.read_table(spark, config, CDF_OFFSETS).collect())
    assert offsets == {c: 1 for c in countries}
