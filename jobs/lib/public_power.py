"""Public power: landing responses -> staging rows."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from common.columns import conform, with_ts_month
from jobs.lib.responses import parsed_responses
from schemas import STAGING_PUBLIC_POWER

ENDPOINT = "/public_power"


def parse_public_power(landing_df: DataFrame, country: str) -> DataFrame:
    """Staging rows: one per (series, timestamp) of every 200 /public_power response; values are matched
    to unix_seconds by array position (the client checked that the arrays are equally long)."""
    responses = parsed_responses(landing_df, ENDPOINT)
    series = responses.select(
        "fetched_at",
        "run_id",
        "request_params",
        F.col("p.unix_seconds").alias("unix_seconds"),
        F.explode("p.production_types").alias("series"),
    )
    points = series.select(
        "fetched_at",
        "run_id",
        F.col("series.name").alias("production_type"),
        F.explode(
            F.arrays_zip(F.col("unix_seconds").alias("unix_s"), F.col("series.data").alias("value"))
        ).alias("pt"),
    )
    return (
        points.select(
            F.lit(country).alias("country"),
            "production_type",
            F.timestamp_seconds("pt.unix_s").alias("ts_utc"),
            F.col("pt.value").alias("value_mw"),
            "fetched_at",
            "run_id",
        )
        .transform(with_ts_month)
        .transform(conform, STAGING_PUBLIC_POWER)
    )
