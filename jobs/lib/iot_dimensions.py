"""gold/dim_site and gold/dim_sensor: the sensor registry's entries as dimension rows (every declared
field a column, the undeclared ones as JSON), ready for the snapshot merge (common.tables.merge_snapshot)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StructType

from common import quality, tables
from common.cdc import with_record_hash
from common.iot_registry import Sensor, Site
from schemas.solar import dim_value_columns
from schemas.spec import TableSpec

if TYPE_CHECKING:
    from common.runs import JobRun


def registry_rows(entries: Iterable[Site | Sensor], spec: TableSpec) -> list[dict[str, Any]]:
    """One dict per entry: its registry fields by column name, `extra_json` from its undeclared fields."""
    rows = []
    for entry in entries:
        row = {name: getattr(entry, name) for name in dim_value_columns(spec) if name != "extra_json"}
        # default=str: YAML may hold dates or other scalars JSON has no type for.
        row["extra_json"] = json.dumps(dict(entry.extra), sort_keys=True, default=str)
        rows.append(row)
    return rows


def with_dim_bookkeeping(df: DataFrame, spec: TableSpec, run_ts: datetime) -> DataFrame:
    """in_registry, first_seen_at, updated_at (the run time; the merge keeps a stored first_seen_at),
    removed_at (null) and record_hash over the registry columns."""
    ts = F.lit(run_ts).cast("timestamp")
    return (
        df.withColumn("in_registry", F.lit(True))
        .withColumn("first_seen_at", ts)
        .withColumn("updated_at", ts)
        .withColumn("removed_at", F.lit(None).cast("timestamp"))
        .transform(with_record_hash, list(dim_value_columns(spec)))
    )


def dimension_df(
    spark: SparkSession, entries: Iterable[Site | Sensor], spec: TableSpec, run_ts: datetime
) -> DataFrame:
    """The registry entries as rows of the dimension `spec` (a full snapshot)."""
    fields = [spec.schema[name] for name in dim_value_columns(spec)]
    rows = [
        # Registry numbers may be YAML ints; the columns are doubles.
        tuple(float(row[f.name]) if isinstance(f.dataType, DoubleType) and row[f.name] is not None
              else row[f.name] for f in fields)
        for row in registry_rows(entries, spec)
    ]  # fmt: skip
    return spark.createDataFrame(rows, schema=StructType(fields)).transform(
        with_dim_bookkeeping, spec, run_ts
    )


def merge_registry_dimension(run: JobRun, spec: TableSpec, entries: Sequence[Site | Sensor]) -> None:
    """The data flow of both dimension jobs: registry entries → rows → quality gate → snapshot merge."""
    dim_df = dimension_df(run.spark, entries, spec, run.started_at).transform(tables.conform, spec)
    dim_df = quality.gate(run, dim_df, spec)
    run.record_merge(tables.merge_snapshot(run.spark, run.config, spec, dim_df, run.started_at), len(entries))
