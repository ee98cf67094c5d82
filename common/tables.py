"""Delta table I/O by `TableSpec`: paths, explicit creation, reads, appends, keyed upserts, and the
Change Data Feed. Every write is one Delta commit, re-run if it conflicts with another run's commit
(`retry_conflicts`)."""

# conform (common.columns) is part of this module's interface: every write conforms to the spec.

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from delta.exceptions import (
    ConcurrentAppendException,
    ConcurrentDeleteDeleteException,
    ConcurrentDeleteReadException,
    ConcurrentTransactionException,
    ConcurrentWriteException,
    DeltaConcurrentModificationException,
    MetadataChangedException,
    ProtocolChangedException,
)
from delta.tables import DeltaTable
from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    BooleanType,
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    TimestampType,
)

from common.columns import conform
from common.config import Config, ConfigError
from common.log import get_logger
from common.spark import is_databricks
from schemas.spec import TableSpec

log = get_logger("tables")

T = TypeVar("T")


class CreationRace(Exception):
    """Another run is creating the same table: its `_delta_log` exists but holds no commit yet."""


class SmallWriteConflict(Exception):
    """A delta-rs commit of a small write (`append_rows`, `replace_rows`) lost to other writers' commits."""


# How `createIfNotExists` fails, besides a ProtocolChangedException, while another process creates the
# same table (seen with two processes creating tables at once): the location is no longer empty, or it
# looked like a table whose first commit was not there yet.
_CREATION_RACES = frozenset({"DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION", "DELTA_TABLE_NOT_FOUND"})

# A write that lost a race with another run's: Delta's optimistic concurrency refuses a commit that
# conflicts with one another writer made after this transaction read the table (the Python classes
# are siblings, not subclasses of the first one), or both were creating the table.
CONFLICTS = (
    DeltaConcurrentModificationException,
    ConcurrentAppendException,
    ConcurrentDeleteReadException,
    ConcurrentDeleteDeleteException,
    ConcurrentTransactionException,
    ConcurrentWriteException,
    MetadataChangedException,
    ProtocolChangedException,
    CreationRace,
    SmallWriteConflict,
)


class WriteConflictError(RuntimeError):
    """A write kept conflicting with other runs' commits to the same table until its attempts ran out."""


def retry_conflicts(
    config: Config, table: str, write: Callable[[], T], sleep: Callable[[float], None] = time.sleep
) -> T:
    """`write()`, run again from the start when it loses a race with another run (`CONFLICTS`: the other
    run committed to `table` after this write read it, or was creating it at the same time), up to
    `delta.conflict_attempts` attempts in all, each after a jittered wait that doubles from
    `delta.conflict_backoff_s`; then `WriteConflictError`. Any other error propagates at once.

    Sound because a refused commit leaves nothing behind and every write here gives the same table when
    run again after the other run's: appends, replaceWhere of a slice the write holds whole, keyed
    merges whose conditions do not depend on the order of commits."""
    attempts = max(1, int(config.get("delta.conflict_attempts", 5)))
    backoff_s = float(config.get("delta.conflict_backoff_s", 0.5))
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except CONFLICTS as exc:
            if attempt == attempts:
                raise WriteConflictError(
                    f"another run is writing {table}: all {attempts} attempts of this write conflicted with "
                    f"it ({type(exc).__name__}); re-run this job once that run has finished"
                ) from exc
            # Jitter, so two runs that collided do not retry in step and collide again.
            wait_s = backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
            log.warning(
                "%s: write conflicted with another run (%s), attempt %d of %d; re-running in %.2f s",
                table, type(exc).__name__, attempt, attempts, wait_s,
            )  # fmt: skip
            sleep(wait_s)
    raise AssertionError("unreachable: the last attempt returns or raises")


def write_table(spark: SparkSession, config: Config, spec: TableSpec, write: Callable[[DeltaTable], T]) -> T:
    """`write(table)`, one commit to the table of `spec` (created first if missing), under
    `retry_conflicts`; every attempt opens the table again, so it reads the latest snapshot."""
    return retry_conflicts(config, spec.full_name, lambda: write(_open_table(spark, config, spec)))


def table_path(root: str, layer: str, table: str) -> str:
    """`{lakehouse_root}/{layer}/{table}`; root is a local path or an abfss:// URI."""
    return f"{root.rstrip('/')}/{layer}/{table}"


def is_uri(root: str) -> bool:
    """A root with a scheme (abfss://…, dbfs:/…), not a local path."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", root) is not None


def storage_root(root: str) -> str:
    """A URI root as it is; a local root made absolute (Delta's path-based builder rejects './…')."""
    return root if is_uri(root) else os.path.abspath(root)


def spec_path(config: Config, spec: TableSpec) -> str:
    return table_path(storage_root(config.lakehouse_root), spec.layer, spec.name)


def ensure_table(spark: SparkSession, config: Config, spec: TableSpec) -> DeltaTable:
    """Create the table from its spec if it does not exist yet (columns, comments, partitioning,
    properties) and return it. Two runs creating it at once conflict (ProtocolChangedException or a
    `CreationRace`): the loser's next attempt finds the table."""
    return retry_conflicts(config, spec.full_name, lambda: _open_table(spark, config, spec))


def _open_table(spark: SparkSession, config: Config, spec: TableSpec) -> DeltaTable:
    path = spec_path(config, spec)
    if DeltaTable.isDeltaTable(spark, path):
        return keep_properties_true(spark, DeltaTable.forPath(spark, path), spec, path)
    builder = DeltaTable.createIfNotExists(spark).location(path).comment(spec.comment)
    for field in spec.schema.fields:
        builder = builder.addColumn(
            field.name, field.dataType, nullable=field.nullable, comment=field.metadata.get("comment")
        )
    if spec.partition_by:
        builder = builder.partitionedBy(*spec.partition_by)
    for key, value in declared_properties(spec).items():
        builder = builder.property(key, value)
    try:
        table = builder.execute()
    except AnalysisException as exc:
        if exc.getCondition() not in _CREATION_RACES:
            raise
        raise CreationRace(f"{spec.full_name}: another run is creating the table at {path}") from exc
    _PROPERTIES_CHECKED.add(path)
    return table


def read_table(spark: SparkSession, config: Config, spec: TableSpec, version: int | None = None) -> DataFrame:
    """The table (created from its spec if missing); at `version` if given, so later commits by the
    same job cannot change what a recomputation of the DataFrame reads."""
    ensure_table(spark, config, spec)
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return reader.load(spec_path(config, spec))


def append(
    spark: SparkSession, config: Config, spec: TableSpec, df: DataFrame, txn: tuple[str, int] | None = None
) -> None:
    """Append in one commit. With `txn` = (application id, version) the write is idempotent: Delta
    skips it if the table already holds a commit of that application at that version or later (a
    streaming micro-batch replayed after a crash)."""
    writer = conform(df, spec).write.format("delta").mode("append")
    if txn is not None:
        writer = writer.option("txnAppId", txn[0]).option("txnVersion", txn[1])
    write_table(spark, config, spec, lambda _: writer.save(spec_path(config, spec)))


def replace_where(
    spark: SparkSession,
    config: Config,
    spec: TableSpec,
    df: DataFrame,
    predicate: str,
    *,
    check: bool = True,
) -> None:
    """Atomically replace the rows matching `predicate` with `df` (one commit, no truncate).

    Delta checks in a Spark job of its own that every row of `df` matches `predicate`; `check=False`
    skips that for the run log's own records, whose rows are built from the predicate's values (it
    halves the cost of the write on these small tables)."""
    writer = conform(df, spec).write.format("delta").mode("overwrite").option("replaceWhere", predicate)

    def save(_: DeltaTable) -> None:
        writer.save(spec_path(config, spec))

    if check:
        write_table(spark, config, spec, save)
        return
    # A session setting (Delta has no write option for it), restored at once; jobs write one at a time.
    setting = "spark.databricks.delta.replaceWhere.constraintCheck.enabled"
    previous = spark.conf.get(setting, None)
    spark.conf.set(setting, "false")
    try:
        write_table(spark, config, spec, save)
    finally:
        if previous is None:
            spark.conf.unset(setting)
        else:
            spark.conf.set(setting, previous)


def sql_literal(value: Any) -> str:
    """A Spark SQL literal for a partition value (string, date or number)."""
    if isinstance(value, datetime):
        raise TypeError(f"timestamps are not used as partition values: {value!r}")
    if isinstance(value, date):
        return f"DATE'{value.isoformat()}'"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    escaped = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def time_key(spec: TableSpec) -> str | None:
    """The key column that places a row in time (the first date or timestamp key), if any."""
    return next(
        (
            f.name
            for f in spec.schema.fields
            if f.name in spec.keys and isinstance(f.dataType, (DateType, TimestampType))
        ),
        None,
    )


def merge_predicate(df: DataFrame, spec: TableSpec, alias: str = "t") -> str:
    """What a merge of `df` may touch in the target, as SQL on `alias`: `p IN (…)` for each partition
    column and the range of the time key (`time_key`) present in `df`, so Delta prunes partitions and
    skips files by their statistics, and a merge's cost follows its batch, not the table's history.
    One pass over `df`; `false` for an empty batch."""
    column = time_key(spec)
    aggregates = [F.collect_set(name).alias(name) for name in spec.partition_by]
    if column is not None:
        # As text with its offset, so the bound means the same instant in any session time zone.
        text = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"
        as_text = (
            (lambda c: F.date_format(c, text))
            if spec.schema[column].dataType == TimestampType()
            else F.to_date
        )
        aggregates += [as_text(F.min(column)).alias("_lo"), as_text(F.max(column)).alias("_hi")]
    if not aggregates:
        return "true"
    row = df.agg(F.count(F.lit(1)).alias("_rows"), *aggregates).first()
    if not row["_rows"]:
        return "false"
    clauses = [
        f"{alias}.{name} IN ({', '.join(sql_literal(v) for v in sorted(row[name], key=str))})"
        for name in spec.partition_by
    ]
    if column is not None:
        kind = "TIMESTAMP" if spec.schema[column].dataType == TimestampType() else "DATE"
        lo, hi = (row[b] if kind == "TIMESTAMP" else row[b].isoformat() for b in ("_lo", "_hi"))
        clauses.append(f"{alias}.{column} BETWEEN {kind}'{lo}' AND {kind}'{hi}'")
    return " AND ".join(clauses)


def key_condition(keys: Sequence[str], target: str = "t", source: str = "s") -> str:
    return " AND ".join(f"{target}.{k} = {source}.{k}" for k in keys)


def upsert(
    spark: SparkSession, config: Config, spec: TableSpec, df: DataFrame, predicate: str | None = None
) -> dict[str, int]:
    """Keyed merge: insert new keys, overwrite every column of existing ones. Returns merge metrics.
    `predicate` (on the target, alias t; e.g. a time range) prunes the target further."""
    source = conform(df, spec)
    condition = f"{merge_predicate(source, spec)} AND {key_condition(spec.keys)}"
    if predicate:
        condition = f"({predicate}) AND {condition}"
    assignments = {name: f"s.{name}" for name in spec.column_names}

    def merge(table: DeltaTable) -> dict[str, int]:
        return merge_metrics(
            table.alias("t")
            .merge(source.alias("s"), condition)
            .whenMatchedUpdate(set=assignments)
            .whenNotMatchedInsert(values=assignments)
            .execute()
        )

    return write_table(spark, config, spec, merge)


def merge_metrics(result: DataFrame) -> dict[str, int]:
    """The row counts of a MERGE from the DataFrame its `execute()` returns (num_affected_rows,
    num_updated_rows, num_deleted_rows, num_inserted_rows): this merge's own, never another writer's
    commit, as reading the table history afterwards could be."""
    row = result.first()
    values = {} if row is None else row.asDict()
    return {name: int(value) for name, value in values.items() if value is not None}


def current_version(spark: SparkSession, config: Config, spec: TableSpec) -> int:
    """The table's latest commit version (the table is created from its spec if missing)."""
    if small_writer(config) == "delta-rs":  # the log's last commit, read without a Spark job
        return _delta_rs_table(spark, config, spec).version()
    return ensure_table(spark, config, spec).history(1).select("version").first()[0]


def read_changes(
    spark: SparkSession, config: Config, spec: TableSpec, from_version: int, to_version: int
) -> DataFrame:
    """Change Data Feed rows of versions from_version … to_version (inclusive)."""
    return (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", from_version)
        .option("endingVersion", to_version)
        .load(spec_path(config, spec))
    )


def rows_to_df(spark: SparkSession, spec: TableSpec, rows: Iterable[Mapping[str, Any]]) -> DataFrame:
    """A DataFrame with the spec's schema from Python rows (dicts by column name)."""
    names = spec.column_names
    return spark.createDataFrame([tuple(row.get(n) for n in names) for row in rows], schema=spec.schema)


# The small writes of the jobs' shared steps (run records, quality evidence, change-feed offsets): a few
# rows built in Python, several commits per job. Through Spark each costs a Spark job and, for a
# replacement, a reconstruction of the table's file list (about 1 s and 2 s on two cores, the largest
# part of a job's fixed cost); delta-rs commits the same rows in a few milliseconds. It is used where it
# reaches the lakehouse on its own: a local root. On a URI root (ADLS) and on Databricks the session's
# storage access is the one that is configured, and Spark writes them.
SMALL_WRITERS = ("auto", "spark")


def small_writer(config: Config) -> str:
    """Who commits the small writes: 'delta-rs' or 'spark'. `delta.small_writes` is auto (delta-rs for
    a local lakehouse root, Spark for a URI root and on Databricks) or spark."""
    setting = str(config.get("delta.small_writes", "auto"))
    if setting not in SMALL_WRITERS:
        raise ConfigError(
            f"config '{config.env}': delta.small_writes is {setting!r}; expected one of {list(SMALL_WRITERS)}"
        )
    local = not is_uri(config.lakehouse_root) and not is_databricks()  # /Volumes/… is a Databricks path
    return "delta-rs" if setting == "auto" and local else "spark"


def read_rows(
    spark: SparkSession, config: Config, spec: TableSpec, where: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The rows of a small table (the run log, the change-feed offsets) whose columns equal `where`'s
    values, as dicts; read by the small writes' writer (a Spark job costs more than the read)."""
    if small_writer(config) == "spark":
        df = read_table(spark, config, spec)
        for name, value in where.items():
            df = df.filter(F.col(name) == F.lit(value))
        return [row.asDict() for row in df.collect()]
    filters = [(name, "=", value) for name, value in where.items()] or None
    return _delta_rs_table(spark, config, spec).to_pyarrow_table(filters=filters).to_pylist()


def append_rows(
    spark: SparkSession,
    config: Config,
    spec: TableSpec,
    rows: Sequence[Mapping[str, Any]],
    txn: tuple[str, int] | None = None,
) -> None:
    """`append` for a few rows built in Python: one commit, idempotent with `txn` as there."""
    if small_writer(config) == "spark":
        append(spark, config, spec, rows_to_df(spark, spec, rows), txn)
        return
    retry_conflicts(config, spec.full_name, lambda: _delta_rs_write(spark, config, spec, rows, None, txn))


def replace_rows(
    spark: SparkSession, config: Config, spec: TableSpec, rows: Sequence[Mapping[str, Any]]
) -> None:
    """The rows in place of the table's rows with the same keys (inserted where there are none), in
    one commit: a run record completing its 'running' row, a change-feed offset moving on. Keys are
    strings or numbers."""
    if not rows:
        return
    if small_writer(config) == "spark":
        predicate = _keys_predicate(spec, rows, sql_literal)
        replace_where(spark, config, spec, rows_to_df(spark, spec, rows), predicate, check=False)
        return
    predicate = _keys_predicate(spec, rows, _datafusion_literal)
    retry_conflicts(
        config, spec.full_name, lambda: _delta_rs_write(spark, config, spec, rows, predicate, None)
    )


def _keys_predicate(spec: TableSpec, rows: Sequence[Mapping[str, Any]], literal: Callable[[Any], str]) -> str:
    return " OR ".join(
        "(" + " AND ".join(f"{k} = {literal(row[k])}" for k in spec.keys) + ")" for row in rows
    )


def _datafusion_literal(value: Any) -> str:
    """A literal in delta-rs's SQL (DataFusion): quotes doubled, not backslash-escaped."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    if not isinstance(value, str):
        raise TypeError(f"a key of a small write is a string or a number, not {value!r}")
    return "'" + value.replace("'", "''") + "'"


def _delta_rs_write(
    spark: SparkSession,
    config: Config,
    spec: TableSpec,
    rows: Sequence[Mapping[str, Any]],
    predicate: str | None,
    txn: tuple[str, int] | None,
) -> None:
    """One delta-rs commit of `rows`: appended, or replacing the rows matching `predicate`."""
    import deltalake
    from deltalake.exceptions import CommitFailedError

    table = _delta_rs_table(spark, config, spec)
    written = None if txn is None else table.transaction_version(txn[0])  # None: never written
    if written is not None and written >= txn[1]:
        return  # this batch was written before its replay, as Delta's txnAppId/txnVersion skip it
    transactions = None if txn is None else [deltalake.Transaction(app_id=txn[0], version=txn[1])]
    try:
        deltalake.write_deltalake(
            table,
            _arrow_table(spec, rows),
            mode="append" if predicate is None else "overwrite",
            predicate=predicate,
            commit_properties=deltalake.CommitProperties(app_transactions=transactions),
        )
    except CommitFailedError as exc:  # delta-rs retried, checking conflicts as Delta does, and gave up
        raise SmallWriteConflict(f"{spec.full_name}: {exc}") from exc


def _delta_rs_table(spark: SparkSession, config: Config, spec: TableSpec) -> Any:
    """The table opened by delta-rs; a missing table is created by Spark first, from its spec
    (comments, properties), as every table is."""
    import deltalake
    from deltalake.exceptions import TableNotFoundError

    path = spec_path(config, spec)
    try:
        return deltalake.DeltaTable(path)
    except TableNotFoundError:
        ensure_table(spark, config, spec)
        return deltalake.DeltaTable(path)


def _arrow_table(spec: TableSpec, rows: Sequence[Mapping[str, Any]]) -> Any:
    """The rows as an Arrow table of the spec's schema; a naive timestamp is UTC (the session's zone)."""
    import pyarrow as pa

    types = {
        StringType: pa.string(),
        LongType: pa.int64(),
        IntegerType: pa.int32(),
        DoubleType: pa.float64(),
        BooleanType: pa.bool_(),
        DateType: pa.date32(),
        TimestampType: pa.timestamp("us", tz="UTC"),
    }
    schema = pa.schema([pa.field(f.name, types[type(f.dataType)], f.nullable) for f in spec.schema])
    return pa.Table.from_pylist([{n: row.get(n) for n in spec.column_names} for row in rows], schema)


def merge_snapshot(
    spark: SparkSession, config: Config, spec: TableSpec, df: DataFrame, removed_at: datetime
) -> dict[str, int]:
    """Merge a complete snapshot of a keyed source (e.g. the sensor registry) into a dimension with the
    columns in_registry, first_seen_at, updated_at, removed_at and record_hash: a new key is inserted,
    a key whose record_hash changed (or that returns after removal) is updated except first_seen_at,
    an unchanged key is left alone (no commit churn, no change-feed rows), and a key missing from the
    snapshot is kept with in_registry = false and removed_at, so facts that name it still join.
    Returns the merge metrics."""
    source = conform(df, spec)
    run_ts = f"CAST('{removed_at.isoformat()}' AS TIMESTAMP)"
    values = {name: f"s.{name}" for name in spec.column_names}
    changed = {name: value for name, value in values.items() if name != "first_seen_at"}

    def merge(table: DeltaTable) -> dict[str, int]:
        return merge_metrics(
            table.alias("t")
            .merge(source.alias("s"), key_condition(spec.keys))
            .whenMatchedUpdate(condition="t.record_hash <> s.record_hash OR NOT t.in_registry", set=changed)
            .whenNotMatchedInsert(values=values)
            .whenNotMatchedBySourceUpdate(
                condition="t.in_registry",
                set={"in_registry": "false", "removed_at": run_ts, "updated_at": run_ts},
            )
            .execute()
        )

    return write_table(spark, config, spec, merge)


# Tables whose properties this process has already checked against their spec (once is enough: the
# spec cannot change while the process runs).
_PROPERTIES_CHECKED: set[str] = set()


def declared_properties(spec: TableSpec) -> dict[str, str]:
    """The Delta table properties a table is created with: the spec's own (Change Data Feed) and the
    catalogue's (owner layer, key, grain, producing job, source tables; schemas.catalog)."""
    from schemas.catalog import table_properties

    return {**spec.properties, **table_properties(spec)}


def keep_properties_true(spark: SparkSession, table: DeltaTable, spec: TableSpec, path: str) -> DeltaTable:
    """On the first use of an existing table in this process, set the declared properties that differ
    (a table created before its lineage changed) and unset catalogue properties no longer declared
    (a metadata commit each); nothing is written when they already match."""
    if path in _PROPERTIES_CHECKED:
        return table
    from schemas.catalog import PROPERTY_PREFIX

    declared = declared_properties(spec)
    current = dict(table.detail().select("properties").first()[0] or {})
    changed = {k: v for k, v in declared.items() if current.get(k) != v}
    stale = [k for k in current if k.startswith(PROPERTY_PREFIX) and k not in declared]
    quoted = f"delta.`{path}`"
    if changed:
        pairs = ", ".join(f"{sql_literal(k)} = {sql_literal(v)}" for k, v in changed.items())
        spark.sql(f"ALTER TABLE {quoted} SET TBLPROPERTIES ({pairs})")
    if stale:
        keys = ", ".join(map(sql_literal, stale))
        spark.sql(f"ALTER TABLE {quoted} UNSET TBLPROPERTIES IF EXISTS ({keys})")
    _PROPERTIES_CHECKED.add(path)
    return table
