"""Incremental consumption of cdc tables' Change Data Feeds: which local days changed since the
versions a consumer last processed, and the bookkeeping of those versions in `ops/cdf_offsets`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from common import tables
from common.log import get_logger
from common.runs import JobRun
from schemas import CDF_OFFSETS
from schemas.spec import TableSpec

log = get_logger("incremental")


@dataclass(frozen=True)
class Source:
    """One cdc table a gold job consumes, sliced to one scope (a country, a bidding zone)."""

    spec: TableSpec
    scope_column: str
    scope: str
    time_zone: str  # changed rows are mapped to local days in this zone
    ts_column: str = "ts_utc"
    # Any change of this source rebuilds the whole scope (e.g. installed capacity, which reaches
    # every later month).
    rebuild_on_change: bool = False


@dataclass(frozen=True)
class RefreshPlan:
    """What a gold job must recompute: everything (`full`) or the local days whose source rows
    changed, per source, up to the source versions in `versions`."""

    versions: dict[str, int]
    full: bool
    changed_days: dict[str, frozenset[date]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.full and not any(self.changed_days.values())

    def days(self, source: Source) -> frozenset[date]:
        return self.changed_days.get(source.spec.full_name, frozenset())


def read_offset(run: JobRun, source: Source) -> int | None:
    rows = (
        run.read(CDF_OFFSETS)
        .filter((F.col("consumer") == run.job) & (F.col("source_table") == source.spec.full_name))
        .filter(F.col("scope") == source.scope)
        .select("version")
        .collect()
    )
    return rows[0]["version"] if rows else None


def save_offsets(run: JobRun, sources: Sequence[Source], plan: RefreshPlan) -> None:
    rows = [
        {
            "consumer": run.job,
            "source_table": s.spec.full_name,
            "scope": s.scope,
            "version": plan.versions[s.spec.full_name],
            "run_id": run.run_id,
            "updated_at": run.started_at,
        }
        for s in sources
    ]
    keys = " OR ".join(
        "(" + " AND ".join(f"{k} = {tables.sql_literal(row[k])}" for k in CDF_OFFSETS.keys) + ")"
        for row in rows
    )
    tables.replace_where(
        run.spark, run.config, CDF_OFFSETS, tables.rows_to_df(run.spark, CDF_OFFSETS, rows), keys
    )


def changes(run: JobRun, source: Source, from_version: int, to_version: int) -> DataFrame:
    """Rows of the source's scope inserted or updated (post-images) in from_version … to_version."""
    return (
        tables.read_changes(run.spark, run.config, source.spec, from_version, to_version)
        .filter(F.col(source.scope_column) == source.scope)
        .filter(F.col("_change_type") != "update_preimage")
    )


def changed_days(run: JobRun, source: Source, from_version: int, to_version: int) -> frozenset[date]:
    """Local days of the rows inserted or updated in versions from_version … to_version."""
    changed = changes(run, source, from_version, to_version)
    local_date = F.to_date(F.from_utc_timestamp(source.ts_column, source.time_zone))
    return frozenset(row["day"] for row in changed.select(local_date.alias("day")).distinct().collect())


def plan_refresh(run: JobRun, sources: Sequence[Source], full_refresh: bool) -> RefreshPlan:
    """Plan from the Change Data Feeds; a consumer without a recorded version of some source, or
    whose rebuild-on-change source changed, rebuilds fully."""
    versions = {s.spec.full_name: tables.current_version(run.spark, run.config, s.spec) for s in sources}
    offsets = {s.spec.full_name: read_offset(run, s) for s in sources}
    full = full_refresh or any(offset is None for offset in offsets.values())
    days: dict[str, frozenset[date]] = {}
    for source in sources if not full else ():
        name, last = source.spec.full_name, offsets[source.spec.full_name]
        if last >= versions[name]:
            continue
        try:
            if source.rebuild_on_change:
                full = full or changes(run, source, last + 1, versions[name]).limit(1).count() > 0
            else:
                days[name] = changed_days(run, source, last + 1, versions[name])
        except (PySparkException, Py4JJavaError) as exc:
            # E.g. the change files since the last run were vacuumed away: rebuild rather than guess.
            log.warning("%s: cannot read the change feed of %s from v%s (%s); rebuilding fully",
                        run.job, name, last + 1, str(exc).splitlines()[0])  # fmt: skip
            full = True
    if full:
        log.info(
            "%s: full rebuild of %s", run.job, ", ".join(f"{s.spec.full_name}[{s.scope}]" for s in sources)
        )
        return RefreshPlan(versions=versions, full=True)
    log.info("%s: changed local days %s", run.job, {name: sorted(d) for name, d in days.items()})
    return RefreshPlan(versions=versions, full=False, changed_days=days)


def write_refresh(run: JobRun, spec: TableSpec, gold_df: DataFrame, plan: RefreshPlan, scope: Source) -> None:
    """A full plan replaces the scope's rows in one commit; an incremental one merges by key."""
    if plan.full:
        predicate = f"{scope.scope_column} = {tables.sql_literal(scope.scope)}"
        tables.replace_where(run.spark, run.config, spec, gold_df, predicate)
        run.rows_inserted = gold_df.count()
    else:
        run.record_merge(tables.upsert(run.spark, run.config, spec, gold_df))
    run.metrics.update({"source_versions": plan.versions, "full_refresh": plan.full})
