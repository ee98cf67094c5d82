"""Landed Energy-Charts responses as parsed JSON, and failing the job on a malformed one."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DoubleType, StringType, StructField, StructType

from common.tables import any_of

# `production_types` of /public_power and /installed_power: named series of values (null = none).
SERIES_FIELD = StructField(
    "production_types",
    ArrayType(StructType([StructField("name", StringType()), StructField("data", ArrayType(DoubleType()))])),
)


def fail_response(endpoint: str, problem: Column) -> Column:
    """Fail the Spark job with an error naming the endpoint, the request parameters and the problem."""
    return F.raise_error(
        F.concat(F.lit(f"Energy-Charts {endpoint} "), F.col("request_params"), F.lit(": "), problem)
    )


def parsed_responses(
    landing_df: DataFrame, endpoint: str, payload_schema: StructType, required: Sequence[str]
) -> DataFrame:
    """The 200 responses of `endpoint` with their body parsed into column `p`; a body lacking one of
    the `required` fields fails the job."""
    missing = any_of(F.col(f"p.{name}").isNull() for name in required)
    return (
        landing_df.filter((F.col("endpoint") == endpoint) & (F.col("http_status") == 200))
        .withColumn("p", F.from_json("payload", payload_schema))
        .withColumn(
            "p",
            F.when(
                missing, fail_response(endpoint, F.lit(f"payload is not a {endpoint} response"))
            ).otherwise(F.col("p")),
        )
    )


def with_series_data_checked(df: DataFrame, endpoint: str, positions: str, positions_name: str) -> DataFrame:
    """`data`: the values of exploded column `series`, whose length must equal that of the array column
    `positions` (values are matched to positions by index); a mismatch fails the job naming the series."""
    sizes_differ = F.size("series.data") != F.size(positions)
    problem = F.format_string(
        f"series '%s' has %d values for %d {positions_name}",
        F.col("series.name"),
        F.size("series.data"),
        F.size(positions),
    )
    return df.withColumn(
        "data", F.when(sizes_differ, fail_response(endpoint, problem)).otherwise(F.col("series.data"))
    )
