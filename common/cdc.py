"""The generic change-data-capture merge every cdc table uses.

Rules (order-independent: merging the same batches in any order gives the same values):
- the batch keeps, per key, the latest non-null value (by the spec's `order_by`: fetched_at, then
  run_id for the market tables; received_at, seq, source file, line for IoT telemetry); a key whose
  values are all null keeps its latest null row, so never-published keys still arrive;
- a key never seen before is inserted, even with a null value;
- a stored row takes a source value only if that value is non-null and fetched later than the
  stored value (an unpublished, null row has no value yet, so any non-null value fills it); a null
  never overwrites a published value;
- a different non-null value is a revision: `updated_at` moves, `first_seen_at` stays; the same
  value fetched later only refreshes `fetched_at`.
"""

from __future__ import annotations

from datetime import datetime

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from common.config import Config
from common.tables import conform, key_condition, merge_metrics, merge_predicate, write_table
from schemas.spec import TableSpec

NULL_TOKEN = "\u2205"  # stands for null inside record_hash, so null and "" hash differently


def latest_non_null_per_key(
    df: DataFrame,
    keys: tuple[str, ...] | list[str],
    value_column: str,
    order_by: tuple[str, ...] = ("fetched_at", "run_id"),
) -> DataFrame:
    """One row per key: the newest non-null value, else the newest row (all values null); newest by
    `order_by`, compared column after column (later ones break ties)."""
    ranking = Window.partitionBy(*keys).orderBy(
        F.col(value_column).isNotNull().desc(), *(F.col(c).desc() for c in order_by)
    )
    return df.withColumn("_rank", F.row_number().over(ranking)).filter(F.col("_rank") == 1).drop("_rank")


def with_record_hash(df: DataFrame, columns: tuple[str, ...] | list[str]) -> DataFrame:
    """SHA-256 over the value columns, null-safe, for cheap change detection."""
    parts = [F.coalesce(F.col(c).cast("string"), F.lit(NULL_TOKEN)) for c in columns]
    return df.withColumn("record_hash", F.sha2(F.concat_ws("\u241f", *parts), 256))


def with_audit_columns(df: DataFrame, run_ts: datetime) -> DataFrame:
    """first_seen_at / updated_at for rows that get inserted; the merge decides which are kept."""
    ts = F.lit(run_ts).cast("timestamp")
    return df.withColumn("first_seen_at", ts).withColumn("updated_at", ts)


def prepare_batch(df: DataFrame, spec: TableSpec, run_ts: datetime) -> DataFrame:
    """Staged rows -> the merge source: deduplicated per key, hashed, audited, in the spec's shape."""
    value_columns = spec_value_columns(spec)
    return conform(
        df.transform(latest_non_null_per_key, spec.keys, spec.value_column, spec.order_by)
        .transform(with_record_hash, value_columns)
        .transform(with_audit_columns, run_ts),
        spec,
    )


def spec_value_columns(spec: TableSpec) -> tuple[str, ...]:
    if spec.value_column is None:
        raise ValueError(f"{spec.full_name} is not a cdc table: it has no value_column")
    return (spec.value_column, *spec.payload_columns)


def newer_condition(columns: tuple[str, ...]) -> str:
    """SQL: the source row `s` is newer than the stored `t` by these columns, compared in order."""
    clauses, ties = [], []
    for c in columns:
        clauses.append(" AND ".join([*ties, f"s.{c} > t.{c}"]))
        ties.append(f"s.{c} = t.{c}")
    return " OR ".join(f"({clause})" for clause in clauses)


def merge_cdc(spark: SparkSession, config: Config, spec: TableSpec, batch_df: DataFrame) -> dict[str, int]:
    """Merge a prepared batch (see `prepare_batch`) into the cdc table; returns Delta's merge metrics.

    Newer means later by the spec's `order_by` columns the table stores (the first one, e.g.
    fetched_at or received_at, then its stored tie-breakers); a revision also takes the columns that
    travel with the value without being hashed (e.g. the message's seq)."""
    value_columns = spec_value_columns(spec)
    value = spec.value_column
    seen_at = spec.order_by[0]
    newer = f"({newer_condition(tuple(c for c in spec.order_by if c in spec.column_names))})"
    condition = f"{merge_predicate(batch_df, spec)} AND {key_condition(spec.keys)}"
    fixed = {
        *spec.keys,
        *spec.partition_by,
        *value_columns,
        seen_at,
        "first_seen_at",
        "updated_at",
        "record_hash",
    }
    carried = [c for c in spec.column_names if c not in fixed]
    revision = {c: f"s.{c}" for c in (*value_columns, *carried, seen_at, "record_hash", "updated_at")}

    def merge(table: DeltaTable) -> dict[str, int]:
        return merge_metrics(
            table.alias("t")
            .merge(batch_df.alias("s"), condition)
            .whenMatchedUpdate(
                condition=f"s.{value} IS NOT NULL AND (t.{value} IS NULL OR {newer}) "
                "AND NOT (t.record_hash <=> s.record_hash)",
                set=revision,
            )
            # Same value seen again later, or still unpublished: only the fetch time moves, which keeps
            # the result independent of the order batches arrive in.
            .whenMatchedUpdate(
                condition=f"{newer} AND (s.{value} IS NOT NULL OR t.{value} IS NULL) "
                "AND t.record_hash <=> s.record_hash",
                set={seen_at: f"s.{seen_at}"},
            )
            .whenNotMatchedInsert(values={c: f"s.{c}" for c in spec.column_names})
            .execute()
        )

    # Order-independent (module docstring), so a merge that conflicted with another run's is re-run whole.
    return write_table(spark, config, spec, merge)
