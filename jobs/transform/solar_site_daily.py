"""Recompute gold/solar_site_daily per solar site of gold/dim_site for the site's local days whose
1-minute means (gold/sensor_readings_1min), prices (cdc/price of its bidding zone) or national Solar
production (cdc/public_power of its country) changed since this job last ran for the site. A change of
the site or its sensors in the registry (gold/dim_site, gold/dim_sensor) or of the country's installed
capacity rebuilds the site, as does --full-refresh.

    spark-submit jobs/transform/solar_site_daily.py [--full-refresh]

--start/--end are accepted for a uniform command line; the change feeds decide which days change.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from common.cli import run_cli
from common.incremental import Dates, GoldJob, LocalDays, Source, refresh
from common.runs import JobRun, job_run
from jobs.lib.solar_site_daily import SolarSettings, fleet_specific_yield, solar_site_daily
from jobs.registry import job
from schemas import (
    CDC_INSTALLED_POWER,
    CDC_PRICE,
    CDC_PUBLIC_POWER,
    DIM_SENSOR,
    DIM_SITE,
    SENSOR_READINGS_1MIN,
    SOLAR_SITE_DAILY,
)
from schemas.iot_registry import SOLAR

JOB = job("transform.solar_site_daily")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        sites = run.read(DIM_SITE).filter(F.col("in_registry") & (F.col("kind") == SOLAR)).collect()
        for site in sorted(sites, key=lambda s: s.site_id):
            refresh(run, site_job(run, site), args.full_refresh)


def site_job(run: JobRun, site) -> GoldJob:
    """The incremental refresh of one site: its own offsets (slice = site_id) for every source."""
    site_id, time_zone = site.site_id, site.time_zone
    settings = run.config.require("solar")
    sources = [
        Source(
            SENSOR_READINGS_1MIN, "site_id", site_id, LocalDays(time_zone, "minute_utc", None), slice=site_id
        ),
        Source(DIM_SITE, "site_id", site_id, rebuild_on_change=True, slice=site_id),
        Source(DIM_SENSOR, "site_id", site_id, rebuild_on_change=True, slice=site_id),
    ]
    if site.bidding_zone:
        sources.append(
            Source(CDC_PRICE, "bidding_zone", site.bidding_zone, LocalDays(time_zone), slice=site_id)
        )
    if site.country:
        country_tz = run.config.time_zone(site.country)
        sources += [
            Source(CDC_PUBLIC_POWER, "country", site.country, LocalDays(country_tz), slice=site_id),
            Source(CDC_INSTALLED_POWER, "country", site.country, rebuild_on_change=True, slice=site_id),
        ]

    def transform(readings_df: DataFrame, sites_df: DataFrame, sensors_df: DataFrame, *market: DataFrame):
        price_df = market[0] if site.bidding_zone else empty(run, CDC_PRICE)
        fleet_df = (
            fleet(run, site.country, *market[-2:], settings)
            if site.country
            else run.spark.createDataFrame(
                [], "country string, date date, fleet_specific_yield_kwh_kwp double"
            )
        )
        return solar_site_daily(
            readings_df, sensors_df, sites_df, price_df, fleet_df, SolarSettings.from_config(settings)
        )

    return GoldJob(
        target=SOLAR_SITE_DAILY,
        scope={"site_id": site_id},
        sources=sources,
        transform=transform,
        rows_unit=Dates("date"),
    )


def empty(run: JobRun, spec) -> DataFrame:
    return run.spark.createDataFrame([], spec.schema)


def fleet(run: JobRun, country: str, power_df: DataFrame, installed_df: DataFrame, settings) -> DataFrame:
    """The country's Solar fleet yield per local day, by the market-data jobs' own settings."""
    public_power = run.config.require("public_power")
    return fleet_specific_yield(
        power_df,
        installed_df,
        time_zone=run.config.time_zone(country),
        production_type=settings["fleet_production_type"],
        aliases=public_power.get("series_aliases") or {},
        excluded_names=public_power["excluded_series"]["names"],
        excluded_patterns=public_power["excluded_series"]["patterns"],
        default_interval_h=float(public_power["default_interval_minutes"]) / 60.0,
        capacity_series=run.config.require("underperformance_features.capacity_series"),
    )


if __name__ == "__main__":
    run_cli(main)
