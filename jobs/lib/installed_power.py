"""Installed power: landing responses (the whole history each time) -> staging rows per period."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from common.columns import conform
from jobs.lib.responses import parsed_responses
from schemas import STAGING_INSTALLED_POWER

ENDPOINT = "/installed_power"

MONTHLY_LABEL = r"^(\d{2})\.(\d{4})$"
YEARLY_LABEL = r"^(\d{4})$"


def with_period_start(df: DataFrame) -> DataFrame:
    """ "MM.YYYY" -> first day of that month, "YYYY" -> 1 January (the client checked every label)."""
    label = F.col("label")
    monthly = F.make_date(
        F.regexp_extract(label, MONTHLY_LABEL, 2).cast("int"),
        F.regexp_extract(label, MONTHLY_LABEL, 1).cast("int"),
        F.lit(1),
    )
    yearly = F.make_date(F.regexp_extract(label, YEARLY_LABEL, 1).cast("int"), F.lit(1), F.lit(1))
    return df.withColumn(
        "period_start",
        F.when(label.rlike(MONTHLY_LABEL), monthly).when(label.rlike(YEARLY_LABEL), yearly),
    )


def parse_installed_power(landing_df: DataFrame, country: str) -> DataFrame:
    """Staging rows: one per (series, period) of every 200 /installed_power response."""
    responses = parsed_responses(landing_df, ENDPOINT)
    series = responses.select(
        "request_params",
        "fetched_at",
        "run_id",
        F.get_json_object("request_params", "$.time_step").alias("time_step"),
        F.col("p.time").alias("labels"),
        F.timestamp_seconds("p.last_update").alias("last_update"),
        F.explode("p.production_types").alias("series"),
    )
    points = series.select(
        "request_params",
        "fetched_at",
        "run_id",
        "time_step",
        "last_update",
        F.col("series.name").alias("production_type"),
        F.explode(F.arrays_zip(F.col("labels").alias("label"), F.col("series.data").alias("value"))).alias(
            "pt"
        ),
    ).select("*", F.col("pt.label").alias("label"), F.col("pt.value").alias("installed_gw"))
    return (
        points.transform(with_period_start)
        .select(
            F.lit(country).alias("country"),
            "production_type",
            "time_step",
            "period_start",
            "installed_gw",
            "last_update",
            "fetched_at",
            "run_id",
        )
        .transform(conform, STAGING_INSTALLED_POWER)
    )
