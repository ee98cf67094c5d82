"""The job registry (jobs/registry.py): the lines `make run` executes, each job's entry file parsing its
command line through its entry, and the lineage the entries declare."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from jobs import registry
from jobs.registry import PIPELINES, Job, job, pipeline
from schemas import ALL_TABLES

REPO = Path(__file__).resolve().parents[1]


def test_make_run_lines_name_every_job_in_order_with_its_scope_and_dates(capsys):
    registry.main(["--country", "de", "--bidding-zone", "DE-LU", "--start=2026-10-01", "--end=2026-10-03"])

    dates = "--start 2026-10-01 --end 2026-10-03"
    assert capsys.readouterr().out.splitlines() == [
        f"jobs/staging/public_power.py --country de {dates}",
        f"jobs/staging/price.py --bidding-zone DE-LU {dates}",
        f"jobs/staging/installed_power.py --country de {dates}",
        f"jobs/cdc/public_power.py --country de {dates}",
        f"jobs/cdc/price.py --bidding-zone DE-LU {dates}",
        f"jobs/cdc/installed_power.py --country de {dates}",
        f"jobs/transform/daily_production_trend.py --country de {dates}",
        f"jobs/transform/daily_price_wind.py --bidding-zone DE-LU {dates}",
        f"jobs/transform/underperformance_features.py --country de {dates}",
        f"jobs/transform/data_quality_daily.py {dates}",
    ]


def test_full_refresh_goes_to_the_jobs_that_take_it_and_empty_dates_are_left_out(capsys):
    registry.main(["--country", "de", "--bidding-zone", "DE-LU", "--start=", "--end=", "--full-refresh"])

    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.endswith("--full-refresh")] == [
        "jobs/transform/daily_production_trend.py --country de --full-refresh",
        "jobs/transform/daily_price_wind.py --bidding-zone DE-LU --full-refresh",
        "jobs/transform/underperformance_features.py --country de --full-refresh",
        "jobs/transform/data_quality_daily.py --full-refresh",
    ]
    assert lines[0] == "jobs/staging/public_power.py --country de"


def test_the_command_line_runs_as_make_calls_it():
    completed = subprocess.run(
        [sys.executable, "-m", "jobs.registry", "--pipeline", "energy_charts", "--country", "de",
         "--bidding-zone", "DE-LU", "--start=", "--end="],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert len(completed.stdout.splitlines()) == 10
    assert "jobs.registry" in (REPO / "Makefile").read_text(encoding="utf-8")


def test_a_missing_scope_value_and_an_unknown_pipeline_are_refused():
    with pytest.raises(ValueError, match=r"job staging\.price needs --bidding-zone"):
        job("staging.price").argv(country="de")
    known = "\\['energy_charts', 'iot_telemetry'\\]"
    with pytest.raises(KeyError, match=f"no pipeline 'iot'; the registry has {known}"):
        pipeline("iot")
    with pytest.raises(ValueError, match="scope must be one of"):
        Job("staging.x", "site")  # type: ignore[arg-type]


def test_every_job_parses_its_command_line_through_its_entry():
    for entry in (j for jobs in PIPELINES.values() for j in jobs):
        module = importlib.import_module(entry.module)
        assert module.JOB is entry, entry.name
        assert (REPO / entry.entry_file).is_file(), entry.entry_file
        args = entry.parse_args(entry.argv(country="de", bidding_zone="DE-LU", full_refresh=True), "t")
        assert (args.country, args.bidding_zone, args.full_refresh) == {
            "country": ("de", None, entry.full_refresh),
            "zone": (None, "DE-LU", entry.full_refresh),
            "none": (None, None, entry.full_refresh),
        }[entry.scope]


def test_lineage_every_table_read_is_written_by_an_earlier_job_and_every_table_is_declared():
    for name, jobs in PIPELINES.items():
        # The market data the IoT KPIs join come from the energy_charts pipeline, which runs on its own.
        others = [j for other, js in PIPELINES.items() if other != name for j in js]
        written = {t.full_name for j in others for t in j.writes}
        for entry in jobs:
            assert set(entry.reads) | set(entry.writes) <= set(ALL_TABLES), entry.name
            # The quality logs and quarantines are written by the jobs' quality gates and staging jobs
            # (left out of `writes`), before data_quality_daily and sensor_quality_hourly read them.
            unwritten = {t.full_name for t in entry.reads if t.layer != "quality"} - written
            assert not unwritten, f"{name}: {entry.name} reads {unwritten} before any job writes it"
            written |= {t.full_name for t in entry.writes}
    owners = {}
    for entry in pipeline("energy_charts"):
        for table in entry.writes:
            owners.setdefault(table.full_name, []).append(entry.name)
    # Only the raw landing table is shared (by the three staging jobs); every other has one writer.
    assert {t: o for t, o in owners.items() if len(o) > 1} == {
        "landing/energy_charts": ["staging.public_power", "staging.price", "staging.installed_power"]
    }
