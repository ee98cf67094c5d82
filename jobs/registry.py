"""The job registry: every pipeline's jobs in run order, one line per job, with the scope each takes,
whether it takes --full-refresh and the tables it reads and writes. `make run`, the Databricks bundle
check (tests/test_bundle.py), scripts/bench.py, scripts/demo.py and the end-to-end tests read it, and
each job parses its command line through its entry here, so none of them can disagree.

Importable without Spark: schemas are plain StructTypes. `reads`/`writes` name the data tables; the
logs every job writes (ops/job_runs, quality/results, quality/batches, quarantines) and the gold jobs'
ops/cdf_offsets are left out. `sources` names what comes from outside the lakehouse.

    python -m jobs.registry --pipeline energy_charts --country de --bidding-zone DE-LU \\
        --start=2026-10-01 --end=2026-10-31 [--full-refresh]

prints one line per job: its entry file and the arguments `make run` gives it.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from common.cli import JobArgs, parse_job_args
from schemas import (
    CDC_INSTALLED_POWER,
    CDC_IOT_TELEMETRY,
    CDC_PRICE,
    CDC_PUBLIC_POWER,
    DAILY_PRICE_WIND,
    DAILY_PRODUCTION_TREND,
    DATA_QUALITY_DAILY,
    DIM_SENSOR,
    DIM_SITE,
    LANDING_ENERGY_CHARTS,
    QUALITY_BATCHES,
    QUALITY_RESULTS,
    QUARANTINE_STAGING_IOT_TELEMETRY,
    SENSOR_QUALITY_HOURLY,
    SENSOR_READINGS_1MIN,
    SOLAR_SITE_DAILY,
    STAGING_INSTALLED_POWER,
    STAGING_IOT_TELEMETRY,
    STAGING_PRICE,
    STAGING_PUBLIC_POWER,
    UNDERPERFORMANCE_FEATURES,
)
from schemas.spec import TableSpec

Scope = Literal["country", "zone", "none"]
# The command-line option each scope needs (common.cli.parse_job_args' `needs`).
SCOPE_NEEDS: dict[str, tuple[str, ...]] = {"country": ("country",), "zone": ("bidding_zone",), "none": ()}


@dataclass(frozen=True)
class Job:
    """One job: `name` is `<layer>.<table>`, its entry file `jobs/<layer>/<table>.py`."""

    name: str
    scope: Scope
    reads: tuple[TableSpec, ...] = ()
    writes: tuple[TableSpec, ...] = ()
    full_refresh: bool = False
    sources: tuple[str, ...] = ()  # outside the lakehouse, e.g. an API endpoint

    def __post_init__(self) -> None:
        if self.scope not in SCOPE_NEEDS:
            raise ValueError(
                f"job {self.name}: scope must be one of {sorted(SCOPE_NEEDS)}, not {self.scope!r}"
            )
        if self.name.count(".") != 1:
            raise ValueError(f"job {self.name}: name must be <layer>.<table>")

    @property
    def module(self) -> str:
        return f"jobs.{self.name}"

    @property
    def entry_file(self) -> str:
        """The spark-submit entry file, relative to the repository root."""
        return self.module.replace(".", "/") + ".py"

    def parse_args(self, argv: Sequence[str] | None, description: str) -> JobArgs:
        """The job's command line: the scope option it needs, --full-refresh if it takes one."""
        return parse_job_args(
            argv, description, needs=SCOPE_NEEDS[self.scope], full_refresh=self.full_refresh
        )

    def main(self, argv: Sequence[str]) -> None:
        """Run the job in this process (tests, scripts/bench.py): its module's main(argv)."""
        importlib.import_module(self.module).main(list(argv))

    def argv(
        self,
        *,
        country: str | None = None,
        bidding_zone: str | None = None,
        start: str | None = None,
        end: str | None = None,
        full_refresh: bool = False,
    ) -> list[str]:
        """The arguments a run of the whole pipeline gives this job (empty dates are left out)."""
        scope = {"country": ["--country", country], "zone": ["--bidding-zone", bidding_zone], "none": []}
        if None in scope[self.scope]:
            raise ValueError(f"job {self.name} needs --{self.scope.replace('zone', 'bidding-zone')}")
        args = [str(a) for a in scope[self.scope]]
        args += [a for flag, value in (("--start", start), ("--end", end)) if value for a in (flag, value)]
        return args + (["--full-refresh"] if full_refresh and self.full_refresh else [])


PIPELINES: dict[str, tuple[Job, ...]] = {
    "energy_charts": (
        Job("staging.public_power", "country", writes=(LANDING_ENERGY_CHARTS, STAGING_PUBLIC_POWER), sources=("/public_power",)),
        Job("staging.price", "zone", writes=(LANDING_ENERGY_CHARTS, STAGING_PRICE), sources=("/price",)),
        Job("staging.installed_power", "country", writes=(LANDING_ENERGY_CHARTS, STAGING_INSTALLED_POWER), sources=("/installed_power",)),
        Job("cdc.public_power", "country", reads=(STAGING_PUBLIC_POWER,), writes=(CDC_PUBLIC_POWER,)),
        Job("cdc.price", "zone", reads=(STAGING_PRICE,), writes=(CDC_PRICE,)),
        Job("cdc.installed_power", "country", reads=(STAGING_INSTALLED_POWER,), writes=(CDC_INSTALLED_POWER,)),
        Job("transform.daily_production_trend", "country", reads=(CDC_PUBLIC_POWER,), writes=(DAILY_PRODUCTION_TREND,), full_refresh=True),
        Job("transform.daily_price_wind", "zone", reads=(CDC_PRICE, CDC_PUBLIC_POWER), writes=(DAILY_PRICE_WIND,), full_refresh=True),
        Job("transform.underperformance_features", "country", reads=(CDC_PUBLIC_POWER, CDC_INSTALLED_POWER, CDC_PRICE), writes=(UNDERPERFORMANCE_FEATURES,), full_refresh=True),
        Job("transform.data_quality_daily", "none", reads=(QUALITY_RESULTS, QUALITY_BATCHES), writes=(DATA_QUALITY_DAILY,), full_refresh=True),
    ),
    "iot_telemetry": (
        Job("staging.iot_telemetry", "none", writes=(STAGING_IOT_TELEMETRY,), sources=("landing/iot (MQTT collector files)",)),
        Job("cdc.iot_telemetry", "none", reads=(STAGING_IOT_TELEMETRY,), writes=(CDC_IOT_TELEMETRY,)),
        Job("transform.sensor_readings_1min", "none", reads=(CDC_IOT_TELEMETRY,), writes=(SENSOR_READINGS_1MIN,), full_refresh=True),
        Job("transform.sensor_quality_hourly", "none", reads=(CDC_IOT_TELEMETRY, STAGING_IOT_TELEMETRY, QUARANTINE_STAGING_IOT_TELEMETRY), writes=(SENSOR_QUALITY_HOURLY,), full_refresh=True, sources=("sensor registry",)),
        Job("transform.dim_site", "none", writes=(DIM_SITE,), sources=("sensor registry",)),
        Job("transform.dim_sensor", "none", writes=(DIM_SENSOR,), sources=("sensor registry",)),
        Job("transform.solar_site_daily", "none", reads=(SENSOR_READINGS_1MIN, DIM_SITE, DIM_SENSOR, CDC_PRICE, CDC_PUBLIC_POWER, CDC_INSTALLED_POWER), writes=(SOLAR_SITE_DAILY,), full_refresh=True),
    ),
}  # fmt: skip


def pipeline(name: str) -> tuple[Job, ...]:
    try:
        return PIPELINES[name]
    except KeyError:
        raise KeyError(f"no pipeline {name!r}; the registry has {sorted(PIPELINES)}") from None


def job(name: str) -> Job:
    """A job by name, from whichever pipeline holds it."""
    found = [j for jobs in PIPELINES.values() for j in jobs if j.name == name]
    if len(found) != 1:
        raise KeyError(f"job {name!r} is registered {len(found)} times (expected once)")
    return found[0]


@dataclass(frozen=True)
class RunArgs:
    """The arguments of a whole pipeline run (`make run`, jobs/pipeline.py); each job takes the ones
    its scope needs (Job.argv)."""

    pipeline: str
    country: str | None = None
    bidding_zone: str | None = None
    start: str | None = None
    end: str | None = None
    env: str | None = None
    full_refresh: bool = False

    def job_argv(self, entry: Job) -> list[str]:
        argv = entry.argv(
            country=self.country,
            bidding_zone=self.bidding_zone,
            start=self.start,
            end=self.end,
            full_refresh=self.full_refresh,
        )
        return argv + (["--env", self.env] if self.env else [])


def parse_run_args(argv: Sequence[str] | None, description: str) -> RunArgs:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--pipeline", default="energy_charts", choices=sorted(PIPELINES))
    parser.add_argument("--country")
    parser.add_argument("--bidding-zone")
    parser.add_argument("--start", help="empty means not given")
    parser.add_argument("--end", help="empty means not given")
    parser.add_argument("--env", help="config environment under conf/ (default $LAKEHOUSE_ENV or local)")
    parser.add_argument("--full-refresh", action="store_true", help="for the jobs that take it")
    return RunArgs(**vars(parser.parse_args(argv)))


def main(argv: Sequence[str] | None = None) -> None:
    ns = parse_run_args(argv, "Print a pipeline's jobs, one line each: entry file and arguments.")
    for entry in pipeline(ns.pipeline):
        print(shlex.join([entry.entry_file, *ns.job_argv(entry)]))


if __name__ == "__main__":
    main()
