"""Incremental consumption of a cdc table's Change Data Feed: which local days changed since the
version a consumer last processed, and the bookkeeping of that version in `ops/cdf_offsets`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pyspark.sql import functions as F

from common import tables
from common.log import get_logger
from common.runs import JobRun
from schemas import CDF_OFFSETS
from schemas.spec import TableSpec

log = get_logger("incremental")


@dataclass(frozen=True)
class RefreshPlan:
    """What a gold job must recompute: everything (`full`) or the local days whose source rows
    changed between `from_version` and `to_version`."""

    to_version: int
    full: bool
    changed_days: frozenset[date] = frozenset()
    from_version: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.full and not self.changed_days


def read_offset(run: JobRun, source: TableSpec, scope: str) -> int | None:
    rows = (
        run.read(CDF_OFFSETS)
        .filter((F.col("consumer") == run.job) & (F.col("source_table") == source.full_name))
        .filter(F.col("scope") == scope)
        .select("version")
        .collect()
    )
    return rows[0]["version"] if rows else None


def save_offset(run: JobRun, source: TableSpec, scope: str, version: int) -> None:
    row = {
        "consumer": run.job,
        "source_table": source.full_name,
        "scope": scope,
        "version": version,
        "run_id": run.run_id,
        "updated_at": run.started_at,
    }
    predicate = " AND ".join(f"{key} = {tables.sql_literal(row[key])}" for key in CDF_OFFSETS.keys)
    tables.replace_where(
        run.spark, run.config, CDF_OFFSETS, tables.rows_to_df(run.spark, CDF_OFFSETS, [row]), predicate
    )


def plan_refresh(
    run: JobRun, source: TableSpec, scope_column: str, scope: str, time_zone: str, full_refresh: bool
) -> RefreshPlan:
    """Plan from the Change Data Feed; a consumer without a recorded version rebuilds fully."""
    to_version = tables.current_version(run.spark, run.config, source)
    last = read_offset(run, source, scope)
    if full_refresh or last is None:
        log.info(
            "%s: full rebuild of %s=%s from %s v%s",
            run.job,
            scope_column,
            scope,
            source.full_name,
            to_version,
        )
        return RefreshPlan(to_version=to_version, full=True)
    if last >= to_version:
        return RefreshPlan(to_version=to_version, full=False, from_version=last + 1)
    changes = (
        tables.read_changes(run.spark, run.config, source, last + 1, to_version)
        .filter(F.col(scope_column) == scope)
        .filter(F.col("_change_type") != "update_preimage")
    )
    local_date = F.to_date(F.from_utc_timestamp("ts_utc", time_zone))
    days = frozenset(row["day"] for row in changes.select(local_date.alias("day")).distinct().collect())
    log.info(
        "%s: %d changed local day(s) in %s v%s..v%s",
        run.job,
        len(days),
        source.full_name,
        last + 1,
        to_version,
    )
    return RefreshPlan(to_version=to_version, full=False, changed_days=days, from_version=last + 1)
