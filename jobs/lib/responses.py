"""Landed Energy-Charts responses as parsed JSON. The shape of every body was checked by the client
before it landed (common/energy_charts.py, the one response contract); what is left to the parsers
is what only they know, such as the price interval length the configuration implies."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from schemas.energy_charts import PAYLOAD_SCHEMAS


def fail_response(endpoint: str, problem: Column) -> Column:
    """Fail the Spark job with an error naming the endpoint, the request parameters and the problem."""
    return F.raise_error(
        F.concat(F.lit(f"Energy-Charts {endpoint} "), F.col("request_params"), F.lit(": "), problem)
    )


def parsed_responses(landing_df: DataFrame, endpoint: str) -> DataFrame:
    """The 200 responses of `endpoint` with their body parsed into column `p` (PAYLOAD_SCHEMAS)."""
    return landing_df.filter((F.col("endpoint") == endpoint) & (F.col("http_status") == 200)).withColumn(
        "p", F.from_json("payload", PAYLOAD_SCHEMAS[endpoint])
    )
