"""The public-power chain (staging → cdc → gold) killed with SIGKILL between two of its Delta commits
and re-run, on the DST day 2026-10-25 against the simulator. Each kill is a job process started
through tests/kill_at.py, which dies right after a named write returns. After each kill every table
of the chain reads and holds exactly what the commits before the kill wrote, and the killed run stays
'running' in ops/job_runs; after the re-runs cdc and gold hold the rows of an uninterrupted run in
another lakehouse, and landing keeps the killed run's extra fetch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import DataFrame

from common import tables
from jobs.registry import job
from schemas import (
    CDC_PUBLIC_POWER,
    CDF_OFFSETS,
    DAILY_PRODUCTION_TREND,
    JOB_RUNS,
    LANDING_ENERGY_CHARTS,
    QUALITY_BATCHES,
    QUALITY_RESULTS,
    QUARANTINE_STAGING_PUBLIC_POWER,
    STAGING_PUBLIC_POWER,
)
from schemas.quality import quarantine_spec
from tests.test_idempotence_e2e import DAY

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[1]
STAGING, CDC, GOLD = (
    job(name) for name in ("staging.public_power", "cdc.public_power", "transform.daily_production_trend")
)
STAGED = 21 * 100  # one response: 21 series × 100 quarter-hours of the 25-hour day
GOLD_ROWS = 16  # the 21 series less Load, Residual load, Cross border trading and 2 Renewable shares
# Each job's process dies right after one write returns (tests/kill_at.py); then the killed lakehouse
# holds exactly these tables and rows, the quality logs aside, and the rest is not created yet.
STAGES = (
    # landed, not staged
    (STAGING, "tables.append:landing/energy_charts", {LANDING_ENERGY_CHARTS: 1, JOB_RUNS: 1}),
    # merged, its run not recorded 'succeeded'
    (
        CDC,
        "cdc.merge_cdc:cdc/public_power",
        {LANDING_ENERGY_CHARTS: 2, STAGING_PUBLIC_POWER: STAGED, CDC_PUBLIC_POWER: STAGED, JOB_RUNS: 3},
    ),
    # gold written, its CDF offsets not saved
    (
        GOLD,
        "tables.replace_where:gold/daily_production_trend",
        {
            LANDING_ENERGY_CHARTS: 2,
            STAGING_PUBLIC_POWER: STAGED,
            CDC_PUBLIC_POWER: STAGED,
            DAILY_PRODUCTION_TREND: GOLD_ROWS,
            JOB_RUNS: 5,
            CDF_OFFSETS: 0,
        },
    ),
)
# Every table the chain writes but the quality logs (LOGS, checked per table they log).
TABLES = (
    LANDING_ENERGY_CHARTS,
    STAGING_PUBLIC_POWER,
    CDC_PUBLIC_POWER,
    DAILY_PRODUCTION_TREND,
    JOB_RUNS,
    CDF_OFFSETS,
    QUARANTINE_STAGING_PUBLIC_POWER,
    quarantine_spec(DAILY_PRODUCTION_TREND),
)
LOGS = (QUALITY_RESULTS, QUALITY_BATCHES)
# Columns that hold a fetch time, a run or its clock: they differ between two lakehouses.
AUDIT = {
    STAGING_PUBLIC_POWER: ("fetched_at", "run_id"),
    CDC_PUBLIC_POWER: ("fetched_at", "first_seen_at", "updated_at"),
    DAILY_PRODUCTION_TREND: ("run_id", "computed_at"),
}


def job_argv(entry) -> list[str]:
    return [*entry.argv(country="de", start=DAY, end=DAY), "--env", "test"]


def start_killed(entry, after: str, root: Path, log: Path) -> subprocess.Popen:
    """The job in its own process on lakehouse `root`, to die right after `after` (tests/kill_at.py);
    its output goes to `log` (a pipe left unread could stall it)."""
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.kill_at", "--after", after, "--", entry.module, *job_argv(entry)],
            cwd=REPO, env=os.environ | {"LAKEHOUSE_ROOT": str(root), "PYTHONPATH": str(REPO)},
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def assert_killed(process: subprocess.Popen, log: Path) -> None:
    try:
        code = process.wait(900)  # generous: a loaded 2-core machine starts Spark slowly
    finally:
        if process.poll() is None:
            process.kill()
    assert code == -signal.SIGKILL, log.read_text()[-3000:]


def load(spark, root: Path, spec) -> DataFrame | None:
    """The table read from its path; None if there is none (tables.read_table would create it)."""
    path = tables.table_path(str(root), spec.layer, spec.name)
    return spark.read.format("delta").load(path) if DeltaTable.isDeltaTable(spark, path) else None


def table_counts(spark, root: Path) -> dict[str, int | None]:
    return {
        spec.full_name: None if (df := load(spark, root, spec)) is None else df.count() for spec in TABLES
    }


def logged_per_table(spark, root: Path, spec) -> Counter:
    return Counter(r.table for r in load(spark, root, spec).select("table").collect())


def job_runs(spark, root: Path) -> Counter:
    """(job, status, finished) of each run record."""
    return Counter(
        (r.job, r.status, r.finished_at is not None) for r in load(spark, root, JOB_RUNS).collect()
    )


def rows_without(spark, root: Path, spec, audit: tuple[str, ...]) -> list[dict]:
    """The table's rows without the `audit` columns, in the order of its other key columns."""
    df = load(spark, root, spec).drop(*audit)
    return [r.asDict() for r in df.orderBy(*(k for k in spec.keys if k not in audit)).collect()]


def close(value):
    """A float compares within 1e-12 relative (sums may add up in another order), anything else exactly."""
    return pytest.approx(value, rel=1e-12) if isinstance(value, float) else value


def test_chain_killed_between_commits_reruns_to_the_uninterrupted_tables(
    spark, lakehouse, energy_charts_sim, monkeypatch, tmp_path
):
    monkeypatch.setenv("ENERGY_CHARTS_BASE_URL", energy_charts_sim.base_url)
    base_root, killed_root = Path(lakehouse.lakehouse_root), tmp_path / "killed"

    def run(entry, root: Path) -> None:
        monkeypatch.setenv("LAKEHOUSE_ROOT", str(root))
        entry.main(job_argv(entry))

    runs = Counter()
    for entry, after, tables_after_kill in STAGES:
        log = tmp_path / f"{entry.name}.log"
        process = start_killed(entry, after, killed_root, log)
        run(entry, base_root)  # the uninterrupted chain, while the killed process starts its JVM
        assert_killed(process, log)

        runs[(entry.name, "running", False)] += 1
        assert table_counts(spark, killed_root) == {s.full_name: tables_after_kill.get(s) for s in TABLES}
        assert job_runs(spark, killed_root) == runs
        # The killed run checked its tables (this stage's writes) once, each earlier run's twice.
        for spec in LOGS:
            once = {s.full_name for s in entry.writes}
            assert logged_per_table(spark, killed_root, spec) == Counter(
                {t: n * (1 if t in once else 2) for t, n in logged_per_table(spark, base_root, spec).items()}
            ), spec.full_name

        run(entry, killed_root)
        runs[(entry.name, "succeeded", True)] += 1

    # The gold re-run saved its offsets.
    final = STAGES[-1][2] | {JOB_RUNS: 6, CDF_OFFSETS: 1}
    assert table_counts(spark, killed_root) == {s.full_name: final.get(s) for s in TABLES}
    assert job_runs(spark, killed_root) == runs
    for spec in LOGS:
        assert logged_per_table(spark, killed_root, spec) == Counter(
            {t: 2 * n for t, n in logged_per_table(spark, base_root, spec).items()}
        )
    # staging, cdc and gold: the baseline's rows, one for one, but for the columns of fetch and run.
    for spec, audit in AUDIT.items():
        want, got = rows_without(spark, base_root, spec, audit), rows_without(spark, killed_root, spec, audit)
        assert len(got) == len(want), spec.full_name
        for got_row, want_row in zip(got, want, strict=True):
            assert got_row == {c: close(v) for c, v in want_row.items()}, spec.full_name
    # landing: the same response twice, fetched by the killed staging run and by its re-run.
    landed = load(spark, killed_root, LANDING_ENERGY_CHARTS).collect()
    base_sha256 = load(spark, base_root, LANDING_ENERGY_CHARTS).first().payload_sha256
    assert [r.payload_sha256 for r in landed] == [base_sha256] * 2
    killed_runs = {r.run_id for r in load(spark, killed_root, JOB_RUNS).collect() if r.status == "running"}
    assert len(killed_runs & {r.run_id for r in landed}) == 1
