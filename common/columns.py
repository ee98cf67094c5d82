"""Pure column helpers every layer shares: no I/O, no session, no clock. Transforms import these
rather than the Delta I/O module (`common.tables`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from schemas.spec import TableSpec


def any_of(conditions: Iterable[Column]) -> Column:
    """The OR of the conditions; false when there are none."""
    result: Column | None = None
    for condition in conditions:
        result = condition if result is None else result | condition
    return result if result is not None else F.lit(False)


def conform(df: DataFrame, spec: TableSpec) -> DataFrame:
    """The spec's columns, in its order and types (extra columns dropped); the DataFrame itself when it
    has them already. In SQL text, one call to the JVM instead of several per column."""
    actual = {f.name: f.dataType for f in df.schema.fields}
    if list(actual) == list(spec.column_names) and all(actual[f.name] == f.dataType for f in spec.schema):
        return df
    return df.selectExpr(
        *(
            f"`{f.name}`"
            if actual.get(f.name) == f.dataType
            else f"CAST(`{f.name}` AS {f.dataType.simpleString()}) AS `{f.name}`"
            for f in spec.schema.fields
        )
    )


def with_ts_month(df: DataFrame) -> DataFrame:
    """First day of the UTC month of ts_utc: the partition column (session time zone is UTC)."""
    return df.withColumn("ts_month", F.trunc(F.to_date("ts_utc"), "month"))


def local_date(ts_column: str, time_zone: str) -> Column:
    """The local calendar day of a UTC timestamp column in `time_zone`."""
    return F.to_date(F.from_utc_timestamp(ts_column, time_zone))


def with_local_date(df: DataFrame, time_zone: str, ts_column: str = "ts_utc") -> DataFrame:
    """`date`: the local calendar day of `ts_column` in `time_zone`."""
    return df.withColumn("date", local_date(ts_column, time_zone))


def with_audit(df: DataFrame, run_id: str, computed_at: datetime) -> DataFrame:
    """The audit columns of a gold row: the run that computed it and the run's clock."""
    return df.withColumn("run_id", F.lit(run_id)).withColumn(
        "computed_at", F.lit(computed_at).cast("timestamp")
    )
